#include "core/request_body.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace ipmi::core {
namespace {

TEST(RequestBody, TheFrameIsTheBufferTheDataWasCopiedInto)
{
    RequestBody body(3);
    const std::array<std::uint8_t, 3> caller{0xaa, 0xbb, 0xcc};
    std::copy(caller.begin(), caller.end(), body.data().begin());
    const std::uint8_t* where = body.data().data();

    const SmiBytes frame = std::move(body).systemInterfaceFrame(0x18, 0x01);

    EXPECT_EQ(frame, (SmiBytes{0x18, 0x01, 0xaa, 0xbb, 0xcc}));
    EXPECT_EQ(frame.data() + 2, where) << "the data bytes were copied again";
}

TEST(RequestBody, CopyOfKeepsTheBytesAndAnEmptyBodyGivesAHeaderOnlyFrame)
{
    const std::array<std::uint8_t, 2> data{0x01, 0x02};
    RequestBody body = RequestBody::copyOf(data);
    EXPECT_EQ(body.size(), 2U);
    EXPECT_EQ(std::move(body).systemInterfaceFrame(0x28, 0x40), (SmiBytes{0x28, 0x40, 0x01, 0x02}));
    EXPECT_EQ(RequestBody().size(), 0U);
    EXPECT_EQ(RequestBody().systemInterfaceFrame(0x18, 0x01), (SmiBytes{0x18, 0x01}));
}

} // namespace
} // namespace ipmi::core
