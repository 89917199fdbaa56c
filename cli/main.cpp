// percept — command-line front end. Subcommands register themselves (cmd_*.cpp); errors from the
// library are reported as one line naming the cause, with exit status 1 (2 for usage errors).
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <exception>

#include "percept/core/error.hpp"

#include "commands_decls.inc"

int main(int argc, char** argv) {
  CLI::App app{"percept — real-time audio and video capture and processing", "percept"};
  app.set_version_flag("--version", "percept 0.1.0");
  app.require_subcommand(1);
  app.fallthrough(false);
#include "commands_calls.inc"
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const percept::Error& e) {
    fmt::print(stderr, "percept: error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "percept: internal error: {}\n", e.what());
    return 1;
  }
  return 0;
}
