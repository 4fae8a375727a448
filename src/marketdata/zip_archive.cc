#include "marketdata/zip_archive.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cstdint>

namespace spark {
namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectorySignature = 0x06054b50;
constexpr size_t kEndOfCentralDirectorySize = 22;
constexpr size_t kMaxCommentSize = 0xFFFF;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;

uint32_t Read32(std::string_view d, size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(d[at])) |
           static_cast<uint32_t>(static_cast<unsigned char>(d[at + 1])) << 8 |
           static_cast<uint32_t>(static_cast<unsigned char>(d[at + 2])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(d[at + 3])) << 24;
}

uint16_t Read16(std::string_view d, size_t at) {
    return static_cast<uint16_t>(static_cast<unsigned char>(d[at]) | static_cast<unsigned char>(d[at + 1]) << 8);
}

std::unexpected<Error> ZipError(std::string what) {
    return MakeError(ErrorCode::kInvalidRequest, "unreadable zip archive: " + std::move(what));
}

//! Deflate cannot expand data more than about 1032 to 1 (RFC 1951's longest match for the
//! shortest code): a member claiming more is lying, and must not get that memory.
constexpr size_t kMaxDeflateRatio = 1032;

Result<std::string> Inflate(std::string_view compressed, size_t expected_size) {
    if (expected_size > compressed.size() * kMaxDeflateRatio + 64) {
        return ZipError(fmt::format("the member claims {} bytes from {} compressed, more than deflate can produce",
                                    expected_size, compressed.size()));
    }
    if (expected_size > kMaxKlineTextBytes) {
        return ZipError(
            fmt::format("the CSV member holds {} bytes; at most {} are read", expected_size, kMaxKlineTextBytes));
    }
    std::string out(expected_size, '\0');
    z_stream stream{};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) return ZipError("zlib init failed");
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int status = inflate(&stream, Z_FINISH);
    const size_t produced = stream.total_out;
    inflateEnd(&stream);
    if (status != Z_STREAM_END || produced != expected_size) return ZipError("corrupt deflate data");
    return out;
}

}  // namespace

bool LooksLikeZip(std::string_view data) { return data.size() >= 4 && Read32(data, 0) == kLocalHeaderSignature; }

Result<std::string> ExtractCsvFromZip(std::string_view zip) {
    if (zip.size() < kEndOfCentralDirectorySize) return ZipError("too short");
    // The end-of-central-directory record sits at the end, before an optional comment.
    size_t eocd = std::string_view::npos;
    const size_t lowest = zip.size() > kEndOfCentralDirectorySize + kMaxCommentSize
                              ? zip.size() - kEndOfCentralDirectorySize - kMaxCommentSize
                              : 0;
    for (size_t at = zip.size() - kEndOfCentralDirectorySize + 1; at-- > lowest;) {
        if (Read32(zip, at) == kEndOfCentralDirectorySignature) {
            eocd = at;
            break;
        }
    }
    if (eocd == std::string_view::npos) return ZipError("no central directory");
    const uint16_t entries = Read16(zip, eocd + 10);
    size_t at = Read32(zip, eocd + 16);
    for (uint16_t i = 0; i < entries; ++i) {
        if (at + kCentralHeaderSize > zip.size() || Read32(zip, at) != kCentralHeaderSignature) {
            return ZipError("bad central directory entry");
        }
        const uint16_t method = Read16(zip, at + 10);
        const uint32_t compressed_size = Read32(zip, at + 20);
        const uint32_t size = Read32(zip, at + 24);
        const uint16_t name_length = Read16(zip, at + 28);
        const size_t next = at + kCentralHeaderSize + name_length + Read16(zip, at + 30) + Read16(zip, at + 32);
        const uint32_t local = Read32(zip, at + 42);
        if (at + kCentralHeaderSize + name_length > zip.size()) return ZipError("truncated entry name");
        const std::string_view name = zip.substr(at + kCentralHeaderSize, name_length);
        at = next;
        if (!name.ends_with(".csv")) continue;
        if (local + kLocalHeaderSize > zip.size() || Read32(zip, local) != kLocalHeaderSignature) {
            return ZipError("bad local header");
        }
        const size_t data = local + kLocalHeaderSize + Read16(zip, local + 26) + Read16(zip, local + 28);
        if (data + compressed_size > zip.size()) return ZipError("truncated member");
        const std::string_view payload = zip.substr(data, compressed_size);
        if (method == kMethodStored) return std::string(payload);
        if (method == kMethodDeflate) return Inflate(payload, size);
        return ZipError(fmt::format("compression method {} is not supported", method));
    }
    return ZipError("no .csv member");
}

}  // namespace spark
