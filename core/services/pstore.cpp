// pstore record parsing: names, dump headers, panic messages, deflate.
#include "core/services/pstore.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

namespace ipmi::core::services {

namespace {

constexpr std::string_view kDmesgPrefix = "dmesg-";
constexpr std::string_view kCompressedSuffix = ".enc.z";
constexpr std::string_view kPanicMarker = "Kernel panic - not syncing: ";
constexpr std::string_view kEndPanicMarker = "---[ end Kernel panic - not syncing: ";
constexpr std::string_view kEndPanicTail = " ]---";
// A dump part is at most a backend's record size (ramoops default 4 KiB,
// efi 1 KiB, erst a few KiB); anything this big is not a dmesg record.
constexpr std::size_t kMaxRecordBytes = 16U << 20;
constexpr std::size_t kMaxInflatedBytes = 16U << 20;

// "<Reason>#<count> Part<n>" on the first line.
bool parseHeader(std::string_view text, PstoreRecord& record)
{
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    const auto hash = line.find('#');
    const auto space = line.find(" Part");
    if (hash == std::string_view::npos || space == std::string_view::npos || hash == 0 || space < hash) {
        return false;
    }
    const auto reason = line.substr(0, hash);
    if (!std::all_of(reason.begin(), reason.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); })) {
        return false;
    }
    const auto countText = line.substr(hash + 1, space - hash - 1);
    const auto partText = line.substr(space + 5);
    int count = 0;
    unsigned part = 0;
    auto [p1, e1] = std::from_chars(countText.data(), countText.data() + countText.size(), count);
    auto [p2, e2] = std::from_chars(partText.data(), partText.data() + partText.size(), part);
    if (e1 != std::errc{} || p1 != countText.data() + countText.size() || e2 != std::errc{} ||
        p2 != partText.data() + partText.size()) {
        return false;
    }
    record.reason = std::string(reason);
    record.count = count;
    record.part = part;
    return true;
}

// The message text of one log line: without "<level>" and "[...]" prefixes.
std::string_view lineMessage(std::string_view line)
{
    if (!line.empty() && line.front() == '<') {
        const auto close = line.find('>');
        if (close <= 4) { // npos (no '>') is past 4 too
            line.remove_prefix(close + 1);
        }
    }
    for (;;) {
        while (!line.empty() && line.front() == ' ') {
            line.remove_prefix(1);
        }
        if (line.empty() || line.front() != '[') {
            return line;
        }
        const auto close = line.find(']');
        if (close == std::string_view::npos) {
            return line;
        }
        line.remove_prefix(close + 1);
    }
}

std::string_view trimLineEnd(std::string_view s)
{
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

std::optional<std::string> inflateWith(std::string_view in, int windowBits)
{
    z_stream zs{};
    if (inflateInit2(&zs, windowBits) != Z_OK) {
        return std::nullopt;
    }
    std::string out;
    std::array<char, 16384> chunk{};
    // zlib's API takes a non-const pointer but never writes through it.
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    int rv = Z_OK;
    while (rv == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
        zs.avail_out = static_cast<uInt>(chunk.size());
        rv = inflate(&zs, Z_NO_FLUSH);
        out.append(chunk.data(), chunk.size() - zs.avail_out);
        if (out.size() > kMaxInflatedBytes) {
            rv = Z_DATA_ERROR;
        }
        if (rv == Z_BUF_ERROR && zs.avail_in == 0) {
            break; // truncated stream
        }
    }
    inflateEnd(&zs);
    // Bytes after the end of the stream (ramoops' ECC notice) are ignored.
    if (rv != Z_STREAM_END) {
        return std::nullopt;
    }
    return out;
}

} // namespace

std::string recordHash(std::string_view bytes)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = kHex[h & 0x0F];
        h >>= 4;
    }
    return out;
}

std::optional<std::string> inflateRecord(std::string_view compressed)
{
    if (compressed.empty() || compressed.size() > kMaxRecordBytes) {
        return std::nullopt;
    }
    if (auto raw = inflateWith(compressed, -MAX_WBITS)) {
        return raw;
    }
    return inflateWith(compressed, MAX_WBITS);
}

std::optional<std::string> extractPanicMessage(std::string_view text)
{
    std::optional<std::string> fromEndLine;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto eol = text.find('\n', pos);
        if (eol == std::string_view::npos) {
            eol = text.size();
        }
        const auto message = trimLineEnd(lineMessage(text.substr(pos, eol - pos)));
        pos = eol + 1;
        if (message.starts_with(kPanicMarker)) {
            return std::string(message.substr(kPanicMarker.size()));
        }
        if (!fromEndLine && message.starts_with(kEndPanicMarker)) {
            auto rest = message.substr(kEndPanicMarker.size());
            if (rest.ends_with(kEndPanicTail)) {
                rest.remove_suffix(kEndPanicTail.size());
            }
            fromEndLine = std::string(rest);
        }
    }
    return fromEndLine;
}

PstoreRecord parsePstoreRecord(std::string name, std::string_view bytes)
{
    PstoreRecord record;
    record.name = std::move(name);
    record.identity = record.name + ":" + recordHash(bytes);
    std::string_view base = record.name;
    if (base.ends_with(kCompressedSuffix)) {
        record.compressed = true;
        base.remove_suffix(kCompressedSuffix.size());
    }
    if (base.starts_with(kDmesgPrefix)) {
        base.remove_prefix(kDmesgPrefix.size());
        const auto dash = base.rfind('-');
        record.backend = std::string(base.substr(0, dash));
    }
    std::string inflated;
    std::string_view text = bytes;
    if (record.compressed) {
        auto out = inflateRecord(bytes);
        if (!out) {
            record.problem = "compressed record (.enc.z) the kernel could not decompress, and it is not deflate: "
                             "unreadable";
            return record;
        }
        inflated = std::move(*out);
        text = inflated;
    }
    if (!parseHeader(text, record)) {
        record.problem = "no \"<Reason>#<n> Part<n>\" dump header";
        return record;
    }
    record.readable = true;
    if (record.reason == "Panic") {
        record.panicMessage = extractPanicMessage(text);
    }
    return record;
}

PstoreRecord readPstoreRecord(const std::filesystem::path& path)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec || size > kMaxRecordBytes) {
        PstoreRecord record;
        record.path = path;
        record.name = path.filename().string();
        record.problem = ec ? "cannot stat: " + ec.message() : "too large for a dmesg record";
        return record;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    if (in) {
        bytes << in.rdbuf();
    }
    if (!in) {
        PstoreRecord record;
        record.path = path;
        record.name = path.filename().string();
        record.problem = "cannot read";
        return record;
    }
    auto record = parsePstoreRecord(path.filename().string(), bytes.str());
    record.path = path;
    return record;
}

std::vector<PstoreRecord> scanPstore(const std::vector<std::filesystem::path>& dirs)
{
    std::vector<std::filesystem::path> files;
    auto consider = [&files](const std::filesystem::directory_entry& entry) {
        std::error_code ec;
        if (entry.is_regular_file(ec) && entry.path().filename().string().starts_with(kDmesgPrefix)) {
            files.push_back(entry.path());
        }
    };
    for (const auto& dir : dirs) {
        std::error_code ec;
        for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            consider(*it);
            std::error_code subEc;
            if (it->is_directory(subEc)) {
                for (std::filesystem::directory_iterator sub(it->path(), subEc), subEnd; !subEc && sub != subEnd;
                     sub.increment(subEc)) {
                    consider(*sub);
                }
            }
        }
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
        const auto an = a.filename().string();
        const auto bn = b.filename().string();
        return an != bn ? an < bn : a < b;
    });
    std::vector<PstoreRecord> records;
    records.reserve(files.size());
    for (const auto& file : files) {
        records.push_back(readPstoreRecord(file));
    }
    return records;
}

} // namespace ipmi::core::services
