// Waiting for CUSE's registration in sysfs (RegistrationWatch in
// cuse_session.hpp). The kernel creates the device when it receives the
// CUSE_INIT reply and tells the server nothing if that fails (name taken,
// ...), so the only evidence is the class device it adds.
#include "cuse/cuse_session.hpp"

#include <utility>

namespace ipmi::cuse {

namespace {

constexpr std::chrono::milliseconds kRegistrationPoll{20};

} // namespace

void RegistrationWatch::start(std::filesystem::path sysfs, std::string name, std::chrono::milliseconds timeout,
                              DoneFn done)
{
    cancel();
    sysfs_ = std::move(sysfs);
    name_ = std::move(name);
    deadline_ = std::chrono::steady_clock::now() + timeout;
    done_ = std::move(done);
    generation_.renew();
    // The kernel registers the device when it receives the CUSE_INIT reply,
    // which libfuse sends just before init_done: look from the loop.
    boost::asio::post(io_, generation_.guard([this] { check(); }));
}

void RegistrationWatch::cancel()
{
    generation_.end();
    done_ = nullptr;
    timer_.cancel();
}

void RegistrationWatch::check()
{
    auto number = readDeviceNumber(sysfs_, name_);
    if (!number && std::chrono::steady_clock::now() < deadline_) {
        timer_.expires_after(kRegistrationPoll);
        timer_.async_wait(generation_.guard([this](const boost::system::error_code& ec) {
            if (!ec) {
                check();
            }
        }));
        return;
    }
    generation_.end();
    if (auto done = std::exchange(done_, nullptr)) {
        done(number);
    }
}

} // namespace ipmi::cuse
