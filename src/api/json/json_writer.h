#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spark::api {

//! A minimal streaming JSON writer for responses: std::to_chars gives the shortest text that
//! round-trips each double (so results are exact and fast to write), and a non-finite double
//! becomes null, so NaN or Infinity can never reach a client.
class JsonWriter {
  public:
    explicit JsonWriter(size_t reserve_bytes = 1024) { out_.reserve(reserve_bytes); }

    JsonWriter& BeginObject();
    JsonWriter& EndObject();
    JsonWriter& BeginArray();
    JsonWriter& EndArray();
    JsonWriter& Key(std::string_view key);

    JsonWriter& String(std::string_view value);
    JsonWriter& Number(double value);
    JsonWriter& Integer(int64_t value);
    JsonWriter& Bool(bool value);
    JsonWriter& Null();
    JsonWriter& OptionalNumber(const std::optional<double>& value) { return value ? Number(*value) : Null(); }
    //! Inserts already-serialised JSON as one value.
    JsonWriter& Raw(std::string_view json);

    template <typename T>
    JsonWriter& Field(std::string_view key, const T& value);

    const std::string& str() const { return out_; }
    std::string Take() { return std::move(out_); }

  private:
    void BeforeValue();

    std::string out_;
    std::vector<bool> first_in_scope_;  //!< per open object/array: no element written yet
    bool after_key_ = false;
};

template <typename T>
JsonWriter& JsonWriter::Field(std::string_view key, const T& value) {
    Key(key);
    if constexpr (std::is_same_v<T, bool>) {
        return Bool(value);
    } else if constexpr (std::is_integral_v<T>) {
        return Integer(static_cast<int64_t>(value));
    } else if constexpr (std::is_floating_point_v<T>) {
        return Number(value);
    } else if constexpr (std::is_same_v<T, std::optional<double>>) {
        return OptionalNumber(value);
    } else if constexpr (std::is_same_v<T, std::optional<int64_t>>) {
        return value ? Integer(*value) : Null();
    } else {
        return String(value);
    }
}

}  // namespace spark::api
