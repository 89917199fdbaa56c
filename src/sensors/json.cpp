#include "json.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "percept/core/error.hpp"

namespace percept::sensors::json {

Value& Value::set(const std::string& key, Value v) {
  type = Type::Object;
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return values[i] = std::move(v);
  keys.push_back(key);
  values.push_back(std::move(v));
  return values.back();
}

const Value* Value::find(const std::string& key) const {
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &values[i];
  return nullptr;
}

const Value& Value::at(const std::string& key, const std::string& where) const {
  const Value* v = find(key);
  if (!v) throw FormatError(where + ": missing \"" + key + "\"");
  return *v;
}

double Value::num(const std::string& key, const std::string& where) const {
  const Value& v = at(key, where);
  if (v.type != Type::Number) throw FormatError(where + ": \"" + key + "\" is not a number");
  return v.number;
}

std::int64_t Value::int64(const std::string& key, const std::string& where) const {
  const Value& v = at(key, where);
  if (v.type != Type::Number) throw FormatError(where + ": \"" + key + "\" is not a number");
  return v.is_integer ? v.integer : static_cast<std::int64_t>(std::llround(v.number));
}

const std::string& Value::str(const std::string& key, const std::string& where) const {
  const Value& v = at(key, where);
  if (v.type != Type::String) throw FormatError(where + ": \"" + key + "\" is not a string");
  return v.string;
}

namespace {

void dump_string(const std::string& s, std::string& out) {
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void dump_into(const Value& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  const std::string end_pad(static_cast<std::size_t>(indent), ' ');
  switch (v.type) {
    case Value::Type::Null:
      out += "null";
      break;
    case Value::Type::Bool:
      out += v.boolean ? "true" : "false";
      break;
    case Value::Type::Number: {
      if (v.is_integer) {
        out += std::to_string(v.integer);
      } else if (!std::isfinite(v.number)) {
        out += "null";
      } else {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", v.number);
        out += buf;
      }
      break;
    }
    case Value::Type::String:
      dump_string(v.string, out);
      break;
    case Value::Type::Array: {
      if (v.array.empty()) {
        out += "[]";
        break;
      }
      bool scalars = true;
      for (const auto& x : v.array) scalars = scalars && x.type != Value::Type::Array && x.type != Value::Type::Object;
      out += "[";
      for (std::size_t i = 0; i < v.array.size(); ++i) {
        if (i) out += scalars ? ", " : ",";
        if (!scalars) out += "\n" + pad;
        dump_into(v.array[i], indent + 2, out);
      }
      if (!scalars) out += "\n" + end_pad;
      out += "]";
      break;
    }
    case Value::Type::Object: {
      if (v.keys.empty()) {
        out += "{}";
        break;
      }
      out += "{";
      for (std::size_t i = 0; i < v.keys.size(); ++i) {
        if (i) out += ",";
        out += "\n" + pad;
        dump_string(v.keys[i], out);
        out += ": ";
        dump_into(v.values[i], indent + 2, out);
      }
      out += "\n" + end_pad + "}";
      break;
    }
  }
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& where) : s_(text), where_(where) {}

  Value document() {
    Value v = value(0);
    ws();
    if (i_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(where_ + ": malformed JSON at offset " + std::to_string(i_) + ": " + what);
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  bool literal(const char* word) {
    const std::string w(word);
    if (s_.compare(i_, w.size(), w) == 0) {
      i_ += w.size();
      return true;
    }
    return false;
  }
  std::string string_token() {
    expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c == '\\') {
        if (i_ >= s_.size()) fail("unterminated escape");
        const char e = s_[i_++];
        switch (e) {
          case 'n':
            out.push_back('\n');
            break;
          case 't':
            out.push_back('\t');
            break;
          case 'r':
            out.push_back('\r');
            break;
          case 'b':
            out.push_back('\b');
            break;
          case 'f':
            out.push_back('\f');
            break;
          case 'u': {
            if (i_ + 4 > s_.size()) fail("short \\u escape");
            const long cp = std::strtol(s_.substr(i_, 4).c_str(), nullptr, 16);
            i_ += 4;
            if (cp < 0x80) {
              out.push_back(static_cast<char>(cp));
            } else if (cp < 0x800) {
              out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
              out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            } else {
              out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
              out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
              out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            }
            break;
          }
          default:
            out.push_back(e);
        }
      } else {
        out.push_back(c);
      }
    }
    if (i_ >= s_.size()) fail("unterminated string");
    ++i_;
    return out;
  }
  Value value(int depth) {
    if (depth > 64) fail("nested too deeply");
    ws();
    if (i_ >= s_.size()) fail("unexpected end");
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      Value v = Value::make_object();
      if (eat('}')) return v;
      do {
        ws();
        std::string key = string_token();
        expect(':');
        v.keys.push_back(std::move(key));
        v.values.push_back(value(depth + 1));
      } while (eat(','));
      expect('}');
      return v;
    }
    if (c == '[') {
      ++i_;
      Value v = Value::make_array();
      if (eat(']')) return v;
      do v.array.push_back(value(depth + 1));
      while (eat(','));
      expect(']');
      return v;
    }
    if (c == '"') return Value::of(string_token());
    if (literal("true")) return Value::of(true);
    if (literal("false")) return Value::of(false);
    if (literal("null")) return Value{};
    const std::size_t start = i_;
    bool integral = true;
    if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) ++i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == 'e' ||
                              s_[i_] == 'E' || s_[i_] == '-' || s_[i_] == '+')) {
      if (!std::isdigit(static_cast<unsigned char>(s_[i_]))) integral = false;
      ++i_;
    }
    const std::string tok = s_.substr(start, i_ - start);
    if (tok.empty() || tok == "-") fail("unexpected character");
    char* end = nullptr;
    Value v = Value::of(std::strtod(tok.c_str(), &end));
    if (end != tok.c_str() + tok.size()) fail("bad number '" + tok + "'");
    if (integral) {
      v.is_integer = true;
      v.integer = std::strtoll(tok.c_str(), nullptr, 10);
    }
    return v;
  }

  const std::string& s_;
  const std::string& where_;
  std::size_t i_ = 0;
};

}  // namespace

std::string dump(const Value& v, int indent) {
  std::string out;
  dump_into(v, indent, out);
  return out;
}

Value parse(const std::string& text, const std::string& where) {
  return Parser(text, where).document();
}

}  // namespace percept::sensors::json
