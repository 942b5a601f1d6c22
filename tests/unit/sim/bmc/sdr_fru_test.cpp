// The SDR repository (records built from the configuration, partial reads,
// reservations, 0xCA on reads too large for the interface) and FRU device 0.
#include "bmc_fixture.hpp"

#include <numeric>

namespace ipmi::sim::testing {
namespace {

class SdrTest : public BmcTest
{
  protected:
    SdrTest() = default;
    explicit SdrTest(BmcConfig c) : BmcTest(std::move(c)) {}

    std::uint16_t reserve()
    {
        Bytes r = call(0x0A, 0x22);
        return static_cast<std::uint16_t>(r[1] | (r[2] << 8));
    }
    Bytes getSdr(std::uint16_t res, std::uint16_t id, std::uint8_t offset, std::uint8_t count)
    {
        return call(0x0A, 0x23,
                    {static_cast<std::uint8_t>(res & 0xFF), static_cast<std::uint8_t>(res >> 8),
                     static_cast<std::uint8_t>(id & 0xFF), static_cast<std::uint8_t>(id >> 8), offset, count});
    }
};

TEST_F(SdrTest, RepositoryInfoAndAllocation)
{
    Bytes info = call(0x0A, 0x20);
    ASSERT_EQ(info.size(), 15U);
    EXPECT_EQ(info[1], 0x51);
    EXPECT_EQ(info[2], 7); // MC locator + six sensors
    EXPECT_EQ(info[3], 0);
    EXPECT_EQ(info[14], 0x03);
    Bytes alloc = call(0x0A, 0x21);
    EXPECT_EQ(Bytes(alloc.begin(), alloc.begin() + 5), (Bytes{0x00, 0x00, 0x01, 0x10, 0x00}));
    EXPECT_EQ(alloc[9], 0x04);
    EXPECT_EQ(call(0x04, 0x20, {0x01}), (Bytes{0x00, 7, 0x01}));
    EXPECT_EQ(call(0x04, 0x20), (Bytes{0x00, 6, 0x01}));
}

TEST_F(SdrTest, McLocatorGolden)
{
    EXPECT_EQ(getSdr(0, 0x0000, 0, 0xFF), (Bytes{0x00, 0x02, 0x00, 0x01, 0x00, 0x51, 0x12, 0x0E, 0x20, 0x00, 0x00,
                                                 0xBF, 0x00, 0x00, 0x00, 0x06, 0x01, 0x00, 0xC3, 'B',  'M',  'C'}));
}

TEST_F(SdrTest, FullSensorRecordLikeIpmitoolReadsIt)
{
    // ipmitool: the 5-byte header at offset 0, then the body in chunks with a reservation.
    Bytes head = getSdr(0, 0x0002, 0, 5);
    ASSERT_EQ(head, (Bytes{0x00, 0x03, 0x00, 0x02, 0x00, 0x51, 0x01, 0x33}));
    std::uint16_t res = reserve();
    Bytes body;
    for (std::uint8_t offset = 5; offset < 5 + 0x33; offset = static_cast<std::uint8_t>(offset + 16)) {
        auto count = static_cast<std::uint8_t>(std::min(16, 5 + 0x33 - offset));
        Bytes part = getSdr(res, 0x0002, offset, count);
        ASSERT_EQ(part.size(), 3U + count);
        body.insert(body.end(), part.begin() + 3, part.end());
    }
    ASSERT_EQ(body.size(), 0x33U);
    EXPECT_EQ(body[0], 0x20); // owner
    EXPECT_EQ(body[2], 0x01); // sensor number
    EXPECT_EQ(body[3], 0x03); // processor
    EXPECT_EQ(body[6], 0x68); // capabilities
    EXPECT_EQ(body[7], 0x01); // temperature
    EXPECT_EQ(body[8], 0x01); // threshold
    EXPECT_EQ(body[9], 0x80); // assertion mask: UNC/UC/UNR going high
    EXPECT_EQ(body[10], 0x0A);
    EXPECT_EQ(body[11], 0x80); // deassertions
    EXPECT_EQ(body[12], 0x7A); // + upper comparisons returned
    EXPECT_EQ(body[13], 0x38); // readable: UNC UC UNR
    EXPECT_EQ(body[14], 0x38); // settable
    EXPECT_EQ(body[16], 0x01); // degrees C
    EXPECT_EQ(body[19], 0x01); // M = 1
    EXPECT_EQ(Bytes(body.begin() + 31, body.begin() + 39), (Bytes{100, 90, 80, 0, 0, 0, 2, 2}));
    EXPECT_EQ(body[42], 0xC8); // ID string: 8 ASCII bytes
    EXPECT_EQ(std::string(body.begin() + 43, body.end()), "CPU Temp");
    // The whole record in one read equals the assembled one.
    Bytes whole = getSdr(0, 0x0002, 0, 0xFF);
    ASSERT_EQ(whole.size(), 3U + 5 + 0x33);
    EXPECT_TRUE(std::equal(body.begin(), body.end(), whole.begin() + 8));
}

TEST_F(SdrTest, ErrorsAndWalk)
{
    EXPECT_EQ(ccOf(0x0A, 0x23, {0x00, 0x00, 0x02, 0x00, 0x05, 0x10}), 0xC5); // partial read, no reservation
    std::uint16_t res = reserve();
    EXPECT_EQ(getSdr(res, 0x0063, 0, 5), (Bytes{0xCB}));
    EXPECT_EQ(getSdr(res, 0x0002, 0x40, 1), (Bytes{0xC9}));
    std::uint16_t old = res;
    reserve();
    EXPECT_EQ(getSdr(old, 0x0002, 5, 1), (Bytes{0xC5}));
    EXPECT_EQ(ccOf(0x0A, 0x23, {0x00, 0x00, 0x02, 0x00, 0x05}), 0xC7);
    // Walking next ids from 0 visits 1..7 and ends at 0xFFFF.
    std::uint16_t id = 0;
    int records = 0;
    while (id != 0xFFFF && records < 20) {
        Bytes r = getSdr(0, id, 0, 5);
        ASSERT_EQ(r[0], 0x00);
        id = static_cast<std::uint16_t>(r[1] | (r[2] << 8));
        ++records;
    }
    EXPECT_EQ(records, 7);
    EXPECT_EQ(getSdr(0, 0xFFFF, 0, 2), (Bytes{0x00, 0xFF, 0xFF, 0x07, 0x00}));
}

class SmallBufferSdrTest : public SdrTest
{
  protected:
    static BmcConfig smallBt()
    {
        BmcConfig c = quietDefaults();
        c.systemInterface = SystemInterfaceType::Bt;
        c.bt.outputBufferSize = 32; // 30-byte responses: 25 bytes of SDR data at most
        return c;
    }
    SmallBufferSdrTest() : SdrTest(smallBt()) {}
};

TEST_F(SmallBufferSdrTest, TooLargeReadsAnswerCannotReturn)
{
    EXPECT_EQ(getSdr(0, 0x0002, 0, 0xFF), (Bytes{0xCA}));
    std::uint16_t res = reserve();
    EXPECT_EQ(getSdr(res, 0x0002, 5, 26), (Bytes{0xCA}));
    EXPECT_EQ(getSdr(res, 0x0002, 5, 25).size(), 28U);
    // FRU reads are limited the same way.
    EXPECT_EQ(call(0x0A, 0x11, {0x00, 0x00, 0x00, 27}), (Bytes{0xCA}));
    EXPECT_EQ(call(0x0A, 0x11, {0x00, 0x00, 0x00, 26}).size(), 28U);
}

class FruTest : public BmcTest
{
  protected:
    Bytes readFru(std::uint16_t offset, std::uint8_t count)
    {
        Bytes r = call(0x0A, 0x11,
                       {0x00, static_cast<std::uint8_t>(offset & 0xFF), static_cast<std::uint8_t>(offset >> 8), count});
        EXPECT_EQ(r[0], 0x00);
        EXPECT_EQ(r[1], r.size() - 2);
        return Bytes(r.begin() + 2, r.end());
    }
};

TEST_F(FruTest, ImageHasValidAreas)
{
    EXPECT_EQ(call(0x0A, 0x10, {0x00}), (Bytes{0x00, 0x00, 0x04, 0x00}));
    EXPECT_EQ(call(0x0A, 0x10, {0x01}), (Bytes{0xCB}));
    Bytes image;
    for (std::uint16_t offset = 0; offset < 1024; offset = static_cast<std::uint16_t>(offset + 32)) {
        Bytes part = readFru(offset, 32);
        image.insert(image.end(), part.begin(), part.end());
    }
    ASSERT_EQ(image.size(), 1024U);
    auto sum = [&image](std::size_t at, std::size_t n) {
        return std::accumulate(image.begin() + static_cast<std::ptrdiff_t>(at),
                               image.begin() + static_cast<std::ptrdiff_t>(at + n), 0U) &
               0xFF;
    };
    EXPECT_EQ(image[0], 0x01);
    EXPECT_EQ(sum(0, 8), 0U);
    for (int area = 2; area <= 4; ++area) // chassis, board, product
    {
        std::size_t at = image[static_cast<std::size_t>(area)] * 8U;
        ASSERT_NE(at, 0U);
        EXPECT_EQ(image[at], 0x01);
        EXPECT_EQ(sum(at, image[at + 1] * 8U), 0U) << "area " << area;
    }
    std::size_t product = image[4] * 8U;
    // Language, then manufacturer "ipmi-cuse", then "Simulated Server".
    EXPECT_EQ(image[product + 3], 0xC9);
    EXPECT_EQ(std::string(image.begin() + static_cast<std::ptrdiff_t>(product + 4),
                          image.begin() + static_cast<std::ptrdiff_t>(product + 13)),
              "ipmi-cuse");
}

TEST_F(FruTest, ReadWriteAndErrors)
{
    EXPECT_EQ(call(0x0A, 0x12, {0x00, 0x00, 0x02, 0xDE, 0xAD}), (Bytes{0x00, 0x02}));
    EXPECT_EQ(readFru(0x200, 3), (Bytes{0xDE, 0xAD, 0x00}));
    EXPECT_EQ(readFru(0x3FE, 8), (Bytes{0x00, 0x00})); // clipped at the end
    EXPECT_EQ(call(0x0A, 0x12, {0x00, 0xFF, 0x03, 0x01, 0x02}), (Bytes{0x00, 0x01}));
    EXPECT_EQ(call(0x0A, 0x11, {0x00, 0x00, 0x04, 0x01}), (Bytes{0xC9}));
    EXPECT_EQ(call(0x0A, 0x12, {0x00, 0x00, 0x04, 0x01}), (Bytes{0xC9}));
    EXPECT_EQ(call(0x0A, 0x11, {0x02, 0x00, 0x00, 0x01}), (Bytes{0xCB}));
    EXPECT_EQ(call(0x0A, 0x11, {0x00, 0x00, 0x00}), (Bytes{0xC7}));
}

} // namespace
} // namespace ipmi::sim::testing
