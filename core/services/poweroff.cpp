// ipmi_poweroff's detection and the three power-off sequences.
#include "core/services/poweroff.hpp"

#include "abi/ipmi_commands.hpp"
#include "base/lifetime.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace ipmi::core::services {

namespace {

constexpr std::uint8_t kChassisPowerDown = 0x00;
constexpr std::uint8_t kChassisPowerCycle = 0x02;

constexpr std::uint8_t kPicmgId = 0x00;

// The OEM numbers stay here, with the only code that knows their vendors.
constexpr std::uint8_t kCmdPpsGracefulRestart = 0x11;
constexpr std::array<std::uint8_t, 3> kPpsIana{0x00, 0x40, 0x0A};
constexpr std::uint32_t kMotorolaManufacturer = 0x0000A1;
constexpr std::uint16_t kMotorolaPpsIpmcProduct = 0x0051;

// CPI1: the kernel's OEM netfn 0xF8 is a netfn/LUN byte; the netfn is 0x3E.
constexpr std::uint8_t kNetfnCpi1Oem = 0xF8 >> 2;
constexpr std::uint8_t kCmdCpi1GetSlotGa = 0xA3;
constexpr std::uint8_t kCmdCpi1RequestHotswapCtrl = 0x80;
constexpr std::uint8_t kCmdCpi1SetPowerState = 0x82;
constexpr std::uint8_t kCmdCpi1SetResetState = 0x84;
constexpr std::uint32_t kCpi1Manufacturer = 0x0108;
constexpr std::uint16_t kCpi1Product = 0x0157;

constexpr std::uint32_t kDellManufacturer = 0x0002A2;
constexpr std::uint32_t kHpManufacturer = 0x0B;
constexpr std::uint16_t kHpBmcProduct = 0x8201;

} // namespace

const char* toString(PowerOffMethod method)
{
    switch (method) {
    case PowerOffMethod::None:
        return "none";
    case PowerOffMethod::Atca:
        return "ATCA";
    case PowerOffMethod::Cpi1:
        return "CPI1";
    case PowerOffMethod::DellChassis:
        return "chassis (Dell)";
    case PowerOffMethod::HpChassis:
        return "chassis (HP)";
    case PowerOffMethod::Chassis:
        return "chassis";
    }
    return "?";
}

PowerOffMethod detectFromIdentity(const PowerOffIdentity& id)
{
    if (id.manufacturerId == kCpi1Manufacturer && id.productId == kCpi1Product) {
        return PowerOffMethod::Cpi1;
    }
    const unsigned major = id.ipmiVersion & 0x0F;
    const unsigned minor = (id.ipmiVersion >> 4) & 0x0F;
    if (id.manufacturerId == kDellManufacturer && major <= 1 && minor < 5) {
        return PowerOffMethod::DellChassis;
    }
    if (id.manufacturerId == kHpManufacturer && id.productId == kHpBmcProduct && id.ipmiVersion == 1) {
        return PowerOffMethod::HpChassis;
    }
    if ((id.capabilities & 0x80) != 0) {
        return PowerOffMethod::Chassis;
    }
    return PowerOffMethod::None;
}

bool isPigeonPoint(const PowerOffIdentity& id)
{
    return id.manufacturerId == kMotorolaManufacturer && id.productId == kMotorolaPpsIpmcProduct;
}

// ---- one power-off run -------------------------------------------------------

// Sends one method's commands in order. Every continuation gets `rv`: the
// completion code, or -errno when the request could not even be queued
// (the kernel's ipmi_request_in_rc_mode return value).
class PowerOff::Action
{
  public:
    Action(ServiceUser& user, const PowerOffDetection& detection, bool powerCycle,
           std::function<void(PowerOffOutcome)> done)
        : user_(user), detection_(detection), powerCycle_(powerCycle), done_(std::move(done))
    {
        outcome_.method = detection.method;
    }
    Action(const Action&) = delete;
    Action& operator=(const Action&) = delete;

    void run()
    {
        switch (detection_.method) {
        case PowerOffMethod::Atca:
            atca();
            return;
        case PowerOffMethod::Cpi1:
            cpi1();
            return;
        case PowerOffMethod::DellChassis:
        case PowerOffMethod::HpChassis:
        case PowerOffMethod::Chassis:
            chassis(powerCycle_);
            return;
        case PowerOffMethod::None:
            break;
        }
        fail("no power-off method detected");
    }

    void abort(const std::string& why) { fail(why); }
    [[nodiscard]] bool finished() const { return finished_; }

  private:
    using Next = std::function<void(int rv, const ServiceResponse& response)>;

    void send(const abi::ipmi_addr& addr, std::uint8_t netfn, std::uint8_t cmd, std::vector<std::uint8_t> data,
              Next next)
    {
        if (finished_) {
            return;
        }
        const std::size_t index = outcome_.steps.size();
        outcome_.steps.push_back(PowerOffStep{netfn, cmd, data, 0, 0});
        const auto alive = lifetime_.witness();
        // Shares `next` between the callback and the error path.
        auto shared = std::make_shared<Next>(std::move(next));
        RequestOptions options;
        options.supplied = true; // the kernel's halt messages are its own, never refused
        const int rv = user_.send(addr, netfn, cmd, data, options,
                                  lifetime_.guard([this, index, shared](const ServiceResponse& response) {
                                      if (finished_) {
                                          return;
                                      }
                                      outcome_.steps[index].cc = response.cc();
                                      (*shared)(response.cc(), response);
                                  }));
        if (rv != 0 && alive) {
            outcome_.steps[index].error = rv;
            (*shared)(rv, ServiceResponse{});
        }
    }

    void sendSi(std::uint8_t netfn, std::uint8_t cmd, std::vector<std::uint8_t> data, Next next)
    {
        send(systemInterfaceAddress(0), netfn, cmd, std::move(data), std::move(next));
    }

    void chassis(bool cycle)
    {
        spdlog::info("ipmi poweroff: powering {} via IPMI chassis control command", cycle ? "cycle" : "down");
        sendSi(abi::IPMI_NETFN_CHASSIS_REQUEST, abi::IPMI_CHASSIS_CONTROL_CMD,
               {cycle ? kChassisPowerCycle : kChassisPowerDown}, [this, cycle](int rv, const ServiceResponse&) {
                   if (rv == 0) {
                       outcome_.commanded = true;
                       outcome_.powerCycled = cycle;
                       succeed();
                       return;
                   }
                   if (cycle) {
                       spdlog::error("ipmi poweroff: unable to send chassis power cycle message, IPMI error {:#x}", rv);
                       chassis(false);
                       return;
                   }
                   fail(fmt::format("unable to send chassis power down message, IPMI error {:#x}", rv));
               });
    }

    void atca()
    {
        spdlog::info("ipmi poweroff: powering down via ATCA power command");
        sendSi(abi::IPMI_NETFN_GROUP_EXTENSION_REQUEST, abi::IPMI_PICMG_SET_POWER_LEVEL_CMD,
               {kPicmgId, 0x00 /* FRU 0 */, 0x00 /* level 0 */, 0x00}, [this](int rv, const ServiceResponse&) {
                   // 0xFF is tolerated: a BMC that is already cutting power
                   // may not finish its answer.
                   if (rv != 0 && rv != abi::IPMI_ERR_UNSPECIFIED) {
                       fail(fmt::format("unable to send ATCA powerdown message, IPMI error {:#x}", rv));
                       return;
                   }
                   outcome_.commanded = true;
                   if (!detection_.pigeonPoint) {
                       succeed();
                       return;
                   }
                   spdlog::info("ipmi poweroff: PPS powerdown hook used");
                   sendSi(abi::IPMI_NETFN_OEM_GROUP_REQUEST, kCmdPpsGracefulRestart, {kPpsIana.begin(), kPpsIana.end()},
                          [this](int ppsRv, const ServiceResponse&) {
                              if (ppsRv != 0 && ppsRv != abi::IPMI_ERR_UNSPECIFIED) {
                                  spdlog::error("ipmi poweroff: unable to send ATCA, IPMI error {:#x}", ppsRv);
                              }
                              succeed();
                          });
               });
    }

    void cpi1()
    {
        spdlog::info("ipmi poweroff: powering down via CPI1 power command");
        sendSi(kNetfnCpi1Oem, kCmdCpi1GetSlotGa, {}, [this](int rv, const ServiceResponse& rsp) {
            if (rv != 0 || rsp.data.size() < 2) {
                fail(fmt::format("CPI1 get slot failed, IPMI error {:#x}", rv == 0 ? abi::IPMI_ERR_UNSPECIFIED : rv));
                return;
            }
            const unsigned slot = rsp.data[1];
            const auto hotswapIpmb = static_cast<std::uint8_t>(slot > 9 ? 0xB0 + 2 * slot : 0xAE + 2 * slot);
            sendSi(abi::IPMI_NETFN_SENSOR_EVENT_REQUEST, abi::IPMI_GET_EVENT_RECEIVER_CMD, {},
                   [this, hotswapIpmb](int erRv, const ServiceResponse& er) {
                       if (erRv != 0 || er.data.size() < 3) {
                           fail(fmt::format("CPI1 get event receiver failed, IPMI error {:#x}",
                                            erRv == 0 ? abi::IPMI_ERR_UNSPECIFIED : erRv));
                           return;
                       }
                       cpi1Hotswap(er.data[1], static_cast<std::uint8_t>(er.data[2] & 0x03), hotswapIpmb);
                   });
        });
    }

    void cpi1Hotswap(std::uint8_t receiver, std::uint8_t lun, std::uint8_t hotswapIpmb)
    {
        abi::ipmi_ipmb_addr ipmb{};
        ipmb.addr_type = abi::IPMI_IPMB_ADDR_TYPE;
        ipmb.channel = 0;
        ipmb.slave_addr = receiver;
        ipmb.lun = lun;
        abi::ipmi_addr addr{};
        storeAddress(addr, ipmb);
        // The answer (or its absence) does not matter: the blade goes on.
        send(addr, kNetfnCpi1Oem, kCmdCpi1RequestHotswapCtrl, {hotswapIpmb}, [this](int, const ServiceResponse&) {
            sendSi(kNetfnCpi1Oem, kCmdCpi1SetResetState, {0x01 /* reset asserted */},
                   [this](int rv, const ServiceResponse&) {
                       if (rv != 0) {
                           fail(fmt::format("CPI1 set reset state failed, IPMI error {:#x}", rv));
                           return;
                       }
                       sendSi(kNetfnCpi1Oem, kCmdCpi1SetPowerState, {0x01 /* power down */},
                              [this](int powerRv, const ServiceResponse&) {
                                  if (powerRv != 0) {
                                      fail(fmt::format("CPI1 set power state failed, IPMI error {:#x}", powerRv));
                                      return;
                                  }
                                  outcome_.commanded = true;
                                  succeed();
                              });
                   });
        });
    }

    void succeed() { finish(); }

    void fail(std::string why)
    {
        if (finished_) {
            return;
        }
        spdlog::error("ipmi poweroff: {}", why);
        outcome_.problem = std::move(why);
        finish();
    }

    void finish()
    {
        if (finished_) {
            return;
        }
        finished_ = true;
        auto done = std::move(done_);
        auto outcome = std::move(outcome_);
        if (done) {
            done(std::move(outcome)); // may destroy this Action
        }
    }

    ServiceUser& user_;
    PowerOffDetection detection_;
    bool powerCycle_;
    std::function<void(PowerOffOutcome)> done_;
    PowerOffOutcome outcome_;
    bool finished_ = false;
    base::Lifetime lifetime_;
};

// ---- detection ------------------------------------------------------------------

PowerOff::PowerOff(MessageHandler& handler, PowerOffConfig config) : handler_(handler), config_(std::move(config))
{
}

PowerOff::~PowerOff()
{
    if (watcherId_ >= 0) {
        handler_.removeWatcher(watcherId_);
    }
    user_.reset();
    action_.reset();
}

void PowerOff::start(std::function<void(const PowerOffDetection&)> onDetected)
{
    onDetected_ = std::move(onDetected);
    if (watcherId_ >= 0) {
        return;
    }
    watcherId_ = handler_.addWatcher([this](int ifnum, bool added) {
        if (added) {
            interfaceAdded(ifnum);
        } else {
            interfaceGone(ifnum);
        }
    });
}

void PowerOff::interfaceAdded(int ifnum)
{
    if (user_ || probing_) {
        return; // already bound to an interface (the kernel's `ready`)
    }
    if (config_.ifnumToUse >= 0 && ifnum != config_.ifnumToUse) {
        return;
    }
    int error = 0;
    auto user = std::make_unique<ServiceUser>(handler_, ifnum, error);
    if (error != 0) {
        spdlog::error("ipmi poweroff: could not create IPMI user, error {}", error);
        return;
    }
    user->setShutdownHandler([this, ifnum] { interfaceGone(ifnum); });
    user_ = std::move(user);
    probing_ = true;
    detection_ = PowerOffDetection{};
    detection_.ifnum = ifnum;
    const int rv = user_->sendSi(abi::IPMI_NETFN_APP_REQUEST, abi::IPMI_GET_DEVICE_ID_CMD, {}, RequestOptions{},
                                 [this](const ServiceResponse& rsp) { deviceIdAnswered(rsp); });
    if (rv != 0) {
        finishDetection(PowerOffMethod::None, fmt::format("unable to send IPMI get device id info, error {}", rv));
    }
}

void PowerOff::interfaceGone(int ifnum)
{
    if (!user_ || user_->ifnum() != ifnum) {
        return;
    }
    if (action_ && !action_->finished()) {
        action_->abort(fmt::format("interface {} went away", ifnum));
    }
    const bool wasProbing = probing_;
    probing_ = false;
    detection_.method = PowerOffMethod::None;
    detection_.problem = fmt::format("interface {} went away", ifnum);
    // The user may be the one telling us (onShutdown); let it return first.
    retireUser();
    if (wasProbing) {
        finishDetection(PowerOffMethod::None, detection_.problem);
    }
}

void PowerOff::retireUser()
{
    if (!user_) {
        return;
    }
    // Freed once the loop is back on top, or with the handler if the loop
    // never runs again: a shutdown reaching it then must not find us, who
    // may be gone by then.
    user_->setShutdownHandler({});
    handler_.loop().post([retired = std::shared_ptr<ServiceUser>(std::move(user_))] {});
}

void PowerOff::deviceIdAnswered(const ServiceResponse& rsp)
{
    if (rsp.cc() != 0) {
        finishDetection(PowerOffMethod::None,
                        fmt::format("unable to send IPMI get device id info, IPMI error {:#x}", rsp.cc()));
        return;
    }
    if (rsp.data.size() < 12) {
        finishDetection(PowerOffMethod::None,
                        fmt::format("IPMI get device id info too short, was {} bytes, needed 12", rsp.data.size()));
        return;
    }
    PowerOffIdentity id;
    id.manufacturerId = rsp.data[7] | (rsp.data[8] << 8) | (static_cast<std::uint32_t>(rsp.data[9]) << 16);
    id.productId = static_cast<std::uint16_t>(rsp.data[10] | (rsp.data[11] << 8));
    id.capabilities = rsp.data[6];
    id.ipmiVersion = rsp.data[5];
    detection_.identity = id;

    // ATCA first: PICMG Get Address Info must succeed.
    const std::array<std::uint8_t, 1> picmg{kPicmgId};
    const int rv = user_->sendSi(abi::IPMI_NETFN_GROUP_EXTENSION_REQUEST, abi::IPMI_PICMG_GET_ADDRESS_INFO_CMD, picmg,
                                 RequestOptions{}, [this](const ServiceResponse& atca) { atcaAnswered(atca); });
    if (rv != 0) {
        // The kernel counts a refused request as "not ATCA".
        finishDetection(detectFromIdentity(id));
    }
}

void PowerOff::atcaAnswered(const ServiceResponse& rsp)
{
    const auto& id = *detection_.identity;
    spdlog::info("ipmi poweroff: ATCA detect mfg {:#x} prod {:#x}", id.manufacturerId, id.productId);
    if (rsp.cc() == 0) {
        detection_.pigeonPoint = isPigeonPoint(id);
        finishDetection(PowerOffMethod::Atca);
        return;
    }
    finishDetection(detectFromIdentity(id));
}

void PowerOff::finishDetection(PowerOffMethod method, std::optional<std::string> problem)
{
    probing_ = false;
    detectionDone_ = true;
    detection_.method = method;
    if (method == PowerOffMethod::None) {
        detection_.problem = std::move(problem).value_or("unable to find a poweroff function that will work");
        spdlog::error("ipmi poweroff: {}, giving up", *detection_.problem);
        // Let another interface be tried, as the kernel's `ready` stays 0.
        retireUser();
    } else {
        detection_.problem.reset();
        spdlog::info("ipmi poweroff: found a {} style poweroff function on interface {}", toString(method),
                     detection_.ifnum);
    }
    if (onDetected_) {
        auto notify = onDetected_;
        notify(detection_);
    }
}

void PowerOff::powerOff(std::function<void(PowerOffOutcome)> done)
{
    auto refuse = [&done](PowerOffMethod method, std::string why) {
        PowerOffOutcome outcome;
        outcome.method = method;
        outcome.problem = std::move(why);
        done(std::move(outcome));
    };
    if (!user_ || !detectionDone_ || detection_.method == PowerOffMethod::None) {
        refuse(PowerOffMethod::None, detection_.problem.value_or("no power-off method detected"));
        return;
    }
    if (action_ && !action_->finished()) {
        refuse(detection_.method, "a power-off is already under way");
        return;
    }
    const bool cycle = config_.powerCycle && config_.powerCycle() != 0;
    action_ = std::make_unique<Action>(*user_, detection_, cycle, std::move(done));
    action_->run();
}

} // namespace ipmi::core::services
