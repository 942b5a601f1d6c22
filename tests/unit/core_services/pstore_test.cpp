// pstore record parsing on fixtures of the kernel's real record formats.
#include "core/services/pstore.hpp"
#include "tests/unit/core_services/services_fixture.hpp"

#include <zlib.h>

#include <fstream>
#include <sstream>

namespace ipmi::core::services::testing {
namespace {

const std::filesystem::path kFixtures = IPMI_SVC_FIXTURES;

std::string readFile(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

// What the kernel's deflate backend stores: a raw deflate stream.
std::string rawDeflate(const std::string& text, int windowBits = -MAX_WBITS)
{
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&zs, static_cast<uLong>(text.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

TEST(PstoreTest, RamoopsPanicPartOneCarriesTheMessage)
{
    const auto r = readPstoreRecord(kFixtures / "pstore" / "dmesg-ramoops-0");
    EXPECT_TRUE(r.readable) << r.problem.value_or("");
    EXPECT_EQ(r.problem, std::nullopt);
    EXPECT_EQ(r.name, "dmesg-ramoops-0");
    EXPECT_EQ(r.backend, "ramoops");
    EXPECT_FALSE(r.compressed);
    EXPECT_EQ(r.reason, "Panic");
    EXPECT_EQ(r.count, 1);
    EXPECT_EQ(r.part, 1U);
    EXPECT_EQ(r.panicMessage, "sysrq triggered crash");
    EXPECT_TRUE(r.isPanicReport());
    EXPECT_EQ(r.identity, "dmesg-ramoops-0:" + recordHash(readFile(kFixtures / "pstore" / "dmesg-ramoops-0")));
}

TEST(PstoreTest, LaterPartsAndOopsesAreNotPanicReports)
{
    const auto part2 = readPstoreRecord(kFixtures / "pstore" / "dmesg-ramoops-1");
    EXPECT_TRUE(part2.readable);
    EXPECT_EQ(part2.reason, "Panic");
    EXPECT_EQ(part2.part, 2U);
    EXPECT_FALSE(part2.panicMessage);
    EXPECT_FALSE(part2.isPanicReport());

    const auto oops = readPstoreRecord(kFixtures / "pstore" / "dmesg-efi-170000012301001");
    EXPECT_TRUE(oops.readable);
    EXPECT_EQ(oops.backend, "efi");
    EXPECT_EQ(oops.reason, "Oops");
    EXPECT_FALSE(oops.isPanicReport());
}

TEST(PstoreTest, CallerIdPrefixedLinesOfErst)
{
    const auto r = readPstoreRecord(kFixtures / "pstore" / "dmesg-erst-7302931183957245953");
    EXPECT_EQ(r.backend, "erst");
    EXPECT_EQ(r.count, 2);
    EXPECT_EQ(r.panicMessage, "Hard LOCKUP");
    EXPECT_TRUE(r.isPanicReport());
}

TEST(PstoreTest, NonDeflateCompressedRecordIsUnreadable)
{
    const auto r = readPstoreRecord(kFixtures / "pstore" / "dmesg-efi-170000045601001.enc.z");
    EXPECT_TRUE(r.compressed);
    EXPECT_FALSE(r.readable);
    EXPECT_EQ(r.backend, "efi");
    ASSERT_TRUE(r.problem.has_value());
    EXPECT_NE(r.problem->find("unreadable"), std::string::npos) << *r.problem;
    EXPECT_FALSE(r.isPanicReport());
    EXPECT_FALSE(r.identity.empty());
}

TEST(PstoreTest, DeflateCompressedRecordIsInflated)
{
    const auto text = readFile(kFixtures / "pstore" / "dmesg-ramoops-0");
    // ramoops appends its ECC notice after the compressed data.
    const auto stored = rawDeflate(text) + "\nECC: No errors detected\n";
    const auto r = parsePstoreRecord("dmesg-ramoops-3.enc.z", stored);
    EXPECT_TRUE(r.compressed);
    EXPECT_TRUE(r.readable) << r.problem.value_or("");
    EXPECT_EQ(r.problem, std::nullopt);
    EXPECT_EQ(r.panicMessage, "sysrq triggered crash");
    EXPECT_TRUE(r.isPanicReport());
    EXPECT_EQ(inflateRecord(rawDeflate(text, MAX_WBITS)), text); // zlib-wrapped too
    EXPECT_FALSE(inflateRecord(rawDeflate(text).substr(0, 40))); // truncated
    EXPECT_FALSE(inflateRecord(""));
}

TEST(PstoreTest, PanicMessageFromTheEndLineWhenThePanicLineWasCutOff)
{
    EXPECT_EQ(extractPanicMessage("<0>[ 1.0] ---[ end Kernel panic - not syncing: Attempted to kill init! "
                                  "exitcode=0x00000009 ]---\n"),
              "Attempted to kill init! exitcode=0x00000009");
    EXPECT_EQ(extractPanicMessage("Kernel panic - not syncing: bare line\r\n"), "bare line");
    EXPECT_FALSE(extractPanicMessage("<4>[ 1.0] nothing here\n"));
}

TEST(PstoreTest, GarbageIsNotADump)
{
    const auto r = parsePstoreRecord("dmesg-ramoops-9", "random bytes\n");
    EXPECT_FALSE(r.readable);
    ASSERT_TRUE(r.problem.has_value());
    EXPECT_NE(r.problem->find("header"), std::string::npos);
    EXPECT_FALSE(parsePstoreRecord("dmesg-ramoops-9", "Panic#x Part1\n").readable);
    EXPECT_FALSE(parsePstoreRecord("dmesg-ramoops-9", "Panic#1 Part\n").readable);
    EXPECT_FALSE(parsePstoreRecord("dmesg-ramoops-9", "").readable);
}

TEST(PstoreTest, ScanOrdersByNameAndFindsSystemdArchives)
{
    const auto records = scanPstore({kFixtures / "pstore", kFixtures / "pstore-archive", "/nonexistent/pstore"});
    std::vector<std::string> names;
    for (const auto& r : records) {
        names.push_back(r.name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"dmesg-efi-170000012301001", "dmesg-efi-170000045601001.enc.z",
                                               "dmesg-efi-173085112001001", "dmesg-erst-7302931183957245953",
                                               "dmesg-ramoops-0", "dmesg-ramoops-1"}));
    EXPECT_EQ(records[2].panicMessage, "VFS: Unable to mount root fs on unknown-block(0,0)");
}

TEST(PstoreTest, IdentityIsStableAndContentSensitive)
{
    const auto a = parsePstoreRecord("dmesg-ramoops-0", "Panic#1 Part1\nKernel panic - not syncing: a\n");
    const auto b = parsePstoreRecord("dmesg-ramoops-0", "Panic#1 Part1\nKernel panic - not syncing: a\n");
    const auto c = parsePstoreRecord("dmesg-ramoops-0", "Panic#1 Part1\nKernel panic - not syncing: b\n");
    const auto d = parsePstoreRecord("dmesg-ramoops-1", "Panic#1 Part1\nKernel panic - not syncing: a\n");
    EXPECT_EQ(a.identity, b.identity);
    EXPECT_NE(a.identity, c.identity);
    EXPECT_NE(a.identity, d.identity);
    EXPECT_EQ(recordHash(""), "cbf29ce484222325");
    EXPECT_EQ(recordHash("a"), "af63dc4c8601ec8c");
}

} // namespace
} // namespace ipmi::core::services::testing
