// Reading the previous boots' kernel crash records from pstore, so that the
// panic events the kernel's message handler would have sent at panic time
// (it cannot: ipmi_msghandler is not loaded, we are) are sent afterwards.
//
// Facts about the records (fs/pstore): each kmsg dump is split into parts,
// one file each, named "dmesg-<backend>-<id>" (ramoops, efi, erst, ...), and
// each part starts with the header line "<Reason>#<count> Part<n>" (Panic,
// Oops, Emergency, ...). Part 1 holds the newest log lines, so the one with
// "Kernel panic - not syncing: <message>". Lines carry the syslog prefix
// "<level>[seconds.micros]" (and "[T<pid>]" with CONFIG_PRINTK_CALLER).
// A record the kernel could not decompress is kept compressed with the
// suffix ".enc.z"; with the "deflate" backend that is a raw deflate stream,
// which zlib inflates; lzo/lz4/zstd/842 records stay unreadable here.
// systemd-pstore moves the files, names unchanged, into
// /var/lib/systemd/pstore/<id>/, so both places are scanned.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipmi::core::services {

struct PstoreRecord
{
    std::filesystem::path path;
    std::string name;        // the file name, e.g. "dmesg-ramoops-0"
    std::string backend;     // "ramoops", "efi", "erst", ...
    bool compressed = false; // ".enc.z"
    bool readable = false;
    std::optional<std::string> problem; // why not readable / not a dump
    std::string reason;                 // "Panic", "Oops", ... (header), empty if none
    int count = 0;                      // the "#N" of the header
    unsigned part = 0;                  // the "PartN" of the header
    std::optional<std::string> panicMessage;
    // Stable across reboots and systemd-pstore's move: file name plus a hash
    // of the bytes as stored.
    std::string identity;

    // Part 1 of a panic dump: the one record per panic that gets reported.
    [[nodiscard]] bool isPanicReport() const { return readable && reason == "Panic" && part == 1; }
};

// Parses one record's bytes (as the file holds them).
[[nodiscard]] PstoreRecord parsePstoreRecord(std::string name, std::string_view bytes);

// Reads and parses one file; never throws (problems land in `problem`).
[[nodiscard]] PstoreRecord readPstoreRecord(const std::filesystem::path& path);

// Every "dmesg-*" record under these directories (and one level of
// subdirectories, for systemd-pstore's archive), ordered by name then path;
// missing directories are skipped.
[[nodiscard]] std::vector<PstoreRecord> scanPstore(const std::vector<std::filesystem::path>& dirs);

// The panic message of a dump's text, from "Kernel panic - not syncing: ..."
// (or the closing "---[ end Kernel panic - not syncing: ... ]---" line).
[[nodiscard]] std::optional<std::string> extractPanicMessage(std::string_view text);

// Inflates a raw deflate (or zlib-wrapped) stream; nullopt if it is neither.
[[nodiscard]] std::optional<std::string> inflateRecord(std::string_view compressed);

// The identity hash: 64-bit FNV-1a, 16 lower-case hex digits.
[[nodiscard]] std::string recordHash(std::string_view bytes);

} // namespace ipmi::core::services
