// A small JSON value, writer and parser for the session manifest (session.json). Internal to the
// sensors layer: the manifest is the only JSON percept reads, and the toolchain has no JSON library.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace percept::sensors::json {

struct Value {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  double number = 0.0;
  bool is_integer = false;  ///< a number written without fraction or exponent: exact in `integer`
  std::int64_t integer = 0;
  std::string string;
  std::vector<Value> array;
  // Object members in insertion order, as parallel vectors (a std::pair<std::string, Value> member
  // would need Value to be complete here).
  std::vector<std::string> keys;
  std::vector<Value> values;

  static Value of(double v) {
    Value x;
    x.type = Type::Number;
    x.number = v;
    return x;
  }
  static Value of(std::int64_t v) {
    Value x = of(static_cast<double>(v));
    x.is_integer = true;
    x.integer = v;
    return x;
  }
  static Value of(bool v) {
    Value x;
    x.type = Type::Bool;
    x.boolean = v;
    return x;
  }
  static Value of(std::string v) {
    Value x;
    x.type = Type::String;
    x.string = std::move(v);
    return x;
  }
  static Value of(const char* v) { return of(std::string(v)); }
  static Value make_array() {
    Value x;
    x.type = Type::Array;
    return x;
  }
  static Value make_object() {
    Value x;
    x.type = Type::Object;
    return x;
  }

  Value& set(const std::string& key, Value v);
  [[nodiscard]] const Value* find(const std::string& key) const;
  /// Member access that throws FormatError naming `where` when absent or of the wrong type.
  [[nodiscard]] const Value& at(const std::string& key, const std::string& where) const;
  [[nodiscard]] double num(const std::string& key, const std::string& where) const;
  [[nodiscard]] std::int64_t int64(const std::string& key, const std::string& where) const;
  [[nodiscard]] const std::string& str(const std::string& key, const std::string& where) const;
};

/// Serializes with 2-space indentation; integers (nanosecond times) are written and read back exactly.
[[nodiscard]] std::string dump(const Value& v, int indent = 0);
/// Parses `text`; throws FormatError naming `where` and the offset on malformed input.
[[nodiscard]] Value parse(const std::string& text, const std::string& where);

}  // namespace percept::sensors::json
