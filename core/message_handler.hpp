// The message handler: the userspace ipmi_msghandler. It owns the registered
// interfaces (core/interface.hpp) and their users, routes every request from
// a user to its interface (wrapping IPMB/LAN requests in Send Message with a
// 64-slot sequence table, retries and timeouts), and routes what comes back
// (responses, events, incoming commands, watchdog pre-timeouts) to users.
//
// Every user comes from createUser(): an open /dev/ipmiN (openDeviceFile()
// in device_file.hpp, the ipmi_devintf user) as well as the in-process users
// (the kernel's internal users such as the watchdog, poweroff, panic events
// and the ACPI bridge). Both count against max_users, both are subject to
// max_msgs_per_user; except what the kernel does inside its message handler
// without a user (panic events: UserSlot::HandlerOwn), which max_users
// must never refuse and which leaves every slot to open files.
//
// Threading: every member, and every callback it makes (watchers,
// UserHandler), runs on the loop thread. Callbacks may call back into the
// message handler (send a request, open a file, destroy a user).
#pragma once

#include "abi/ipmi.hpp"
#include "base/lifetime.hpp"
#include "core/event_loop.hpp"
#include "core/interface.hpp"
#include "core/message.hpp"
#include "core/request_body.hpp"
#include "core/statistics.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace ipmi::core {

class RequestGate; // core/request_gate.hpp

struct MessageHandlerParams
{
    int maxUsers = 30;                         // max_users
    int maxMsgsPerUser = 100;                  // max_msgs_per_user
    int defaultMaxRetries = 4;                 // default_max_retries
    unsigned defaultRetryMs = 2000;            // default_retry_ms
    unsigned defaultMaintenanceRetryMs = 3000; // default_maintenance_retry_ms
    unsigned maintenanceModeTimeoutMs = 30000; // maintenance_mode_timeout_ms
};

// A value or a negative errno (the kernel's ERR_PTR convention, typed).
template <typename T>
struct Result
{
    std::unique_ptr<T> value;
    int error = 0; // 0 on success, else -errno
    [[nodiscard]] explicit operator bool() const { return value != nullptr; }
};

// The decoded Get Device ID response (struct ipmi_device_id).
struct DeviceId
{
    std::uint8_t deviceId = 0;
    std::uint8_t deviceRevision = 0;
    std::uint8_t firmwareRevision1 = 0;
    std::uint8_t firmwareRevision2 = 0;
    std::uint8_t ipmiVersion = 0; // BCD, low nibble major (0x02 = 2.0, 0x51 = 1.5)
    std::uint8_t additionalDeviceSupport = 0;
    std::uint32_t manufacturerId = 0;
    std::uint16_t productId = 0;
    bool auxFirmwareRevisionSet = false;
    std::array<std::uint8_t, 4> auxFirmwareRevision{};
};

// What ipmi_get_smi_info() reports, plus the BMC identity fetched at
// registration.
struct SmiInfo
{
    InterfaceInfo info;
    std::optional<DeviceId> deviceId;
    std::optional<std::array<std::uint8_t, 16>> guid; // as the BMC sent it
};

struct ChannelInfo
{
    std::uint8_t medium = 0;   // IPMI_CHANNEL_MEDIUM_*, 0 = not scanned/unknown
    std::uint8_t protocol = 0; // IPMI_CHANNEL_PROTOCOL_*
};

// The responses delivered to users, by completion code.
struct ResponseClasses
{
    std::uint64_t ok = 0;          // 0x00
    std::uint64_t timeout = 0;     // 0xC3, the BMC's or the message handler's own
    std::uint64_t unspecified = 0; // 0xFF: the driver's answer for a hosed or failed transaction, or the BMC's
    std::uint64_t other = 0;       // any other completion code
};

// For the daemon's status command.
struct InterfaceStatus
{
    int users = 0;
    int eventUsers = 0;
    int outstandingRequests = 0; // sequence-table slots in use
    int waitingEvents = 0;       // queued for the first event user
    int maintenanceMode = abi::IPMI_MAINTENANCE_MODE_AUTO;
    bool maintenanceActive = false;
    std::array<ChannelInfo, 16> channels{};
    Statistics stats{};
    ResponseClasses responses;
    InterfaceHealth driver; // the driver's own counters and fault state
};

// Callbacks of an in-process user (struct ipmi_user_hndl). Called on the
// loop thread; may call into the message handler.
class UserHandler
{
  public:
    virtual ~UserHandler() = default;
    // A response, event, incoming command or response-to-a-response. The
    // message keeps its charge against max_msgs_per_user while it lives.
    virtual void onMessage(ReceivedMessage msg) = 0;
    // Only users that return true are told about watchdog pre-timeouts (and
    // only they make the interface watch for them).
    [[nodiscard]] virtual bool wantsWatchdogPretimeout() const { return false; }
    virtual void onWatchdogPretimeout() {}
    // The interface is going away; the user is dead (every call fails with
    // -ENODEV) though its handle may still be destroyed safely.
    virtual void onShutdown() {}
};

// Per-request options (ipmi_request_settime / ipmi_request_supply_msgs).
struct RequestOptions
{
    bool highPriority = false; // goes ahead of the normal queue (watchdog, panic)
    int retries = -1;          // < 0: default_max_retries (IPMB/LAN only)
    unsigned retryTimeMs = 0;  // 0: default_retry_ms (IPMB/LAN only)
    // ipmi_request_supply_msgs: pre-allocated messages, not counted against
    // max_msgs_per_user (the watchdog's requests must never be refused).
    bool supplied = false;
    // Asked once the request passed the kernel's checks (request_gate.hpp);
    // null for every user but a policy-bound open file.
    RequestGate* gate = nullptr;
};

namespace detail {
struct UserState;
class InterfaceState;
} // namespace detail

// Whose slot a user takes. The kernel's modules that create users
// (ipmi_devintf, ipmi_watchdog, ipmi_poweroff, acpi_ipmi) count against
// max_users; the panic events are sent by ipmi_msghandler itself, with no
// user, so ours, which need one to be answered, take none of the slots.
enum class UserSlot : std::uint8_t
{
    Counted,    // a module's user: -EBUSY at max_users, counted by userCount()
    HandlerOwn, // the message handler's own traffic: neither refused nor counted
};

// An in-process user (the kernel's struct ipmi_user). Destroying the handle
// destroys the user (ipmi_destroy_user): its outstanding IPMB/LAN requests
// are dropped silently, its registrations removed, its events turned off.
class User
{
  public:
    ~User();
    User(const User&) = delete;
    User& operator=(const User&) = delete;

    [[nodiscard]] int ifnum() const;
    // False once the interface was removed.
    [[nodiscard]] bool valid() const;

    // Sends a request (or an IPMB/LAN response, odd netfn) with the kernel's
    // checks (ipmi_request_settime); 0 once queued, else -errno. The answer
    // comes back through UserHandler::onMessage with the same msgid.
    int request(const CheckedAddress& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd, RequestBody body,
                const RequestOptions& options = {});
    int request(const CheckedAddress& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd,
                std::span<const std::uint8_t> data, const RequestOptions& options = {});
    // The same for an address not checked yet (-EINVAL before anything else).
    int request(const abi::ipmi_addr& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd,
                std::span<const std::uint8_t> data, const RequestOptions& options = {});

    int setGetsEvents(bool on);
    int setMyAddress(unsigned channel, std::uint8_t address);
    int getMyAddress(unsigned channel, std::uint8_t& address) const;
    int setMyLun(unsigned channel, std::uint8_t lun);
    int getMyLun(unsigned channel, std::uint8_t& lun) const;
    int registerForCmd(std::uint8_t netfn, std::uint8_t cmd, unsigned chans);
    int unregisterForCmd(std::uint8_t netfn, std::uint8_t cmd, unsigned chans);
    // The configured mode (IPMI_MAINTENANCE_MODE_*), or -ENODEV.
    [[nodiscard]] int maintenanceMode() const;
    int setMaintenanceMode(int mode);
    // Messages charged to this user now (outstanding requests + unconsumed).
    [[nodiscard]] int chargedMessages() const;

  private:
    friend class MessageHandler;
    explicit User(std::shared_ptr<detail::UserState> state);
    std::shared_ptr<detail::UserState> state_;
};

class MessageHandler
{
  public:
    MessageHandler(EventLoop& loop, MessageHandlerParams params);
    ~MessageHandler();
    MessageHandler(const MessageHandler&) = delete;
    MessageHandler& operator=(const MessageHandler&) = delete;

    // Registers and starts an interface (ipmi_register_smi): returns its
    // number, the lowest one free. It becomes usable (interfaces(), createUser,
    // watchers told) once Get Device GUID, Get Device ID and the channel scan
    // are done; if Get Device ID fails it is shut down and the number freed.
    int addInterface(std::unique_ptr<Interface> interface);
    // ipmi_unregister_smi: watchers told, every user destroyed (told through
    // onShutdown), the interface shut down, queued requests dropped.
    void removeInterface(int ifnum);
    // Answers every request still waiting in the interface's sequence table
    // with IPMI_ERR_UNSPECIFIED (0xFF), as the kernel does for messages left
    // when an interface goes. The daemon calls it before removeInterface()
    // once its stop drain has run out, so no waiting client is left without
    // an answer. Returns how many were answered.
    int failOutstanding(int ifnum);

    // Usable interfaces, ascending.
    [[nodiscard]] std::vector<int> interfaces() const;
    [[nodiscard]] std::optional<SmiInfo> interfaceInfo(int ifnum) const;
    [[nodiscard]] std::optional<InterfaceStatus> interfaceStatus(int ifnum) const;
    // Users in max_users' slots (UserSlot::Counted); -EINVAL if no such interface.
    [[nodiscard]] int userCount(int ifnum) const;

    // ipmi_smi_watcher: called with (ifnum, true) for every usable interface
    // now and each one that becomes usable, (ifnum, false) when one goes.
    // Returns an id for removeWatcher.
    int addWatcher(std::function<void(int ifnum, bool added)> watcher);
    void removeWatcher(int id);

    // A user (an open /dev/ipmiN is one, core/device_file.hpp): -EINVAL no
    // such interface, -EBUSY at max_users (Counted only), -ENODEV while it
    // is going away.
    Result<User> createUser(int ifnum, UserHandler& handler, UserSlot slot = UserSlot::Counted);

    [[nodiscard]] const MessageHandlerParams& params() const { return params_; }
    [[nodiscard]] EventLoop& loop() { return loop_; }

  private:
    friend class detail::InterfaceState;
    void needTick();
    void tick();
    void interfaceReady(int ifnum);
    void registrationFailed(int ifnum);
    void retire(int ifnum);
    std::shared_ptr<detail::UserState> newUser(int ifnum, UserHandler& handler, UserSlot slot, int& error);

    EventLoop& loop_;
    MessageHandlerParams params_;
    std::map<int, std::unique_ptr<detail::InterfaceState>> interfaces_;
    std::map<int, std::function<void(int, bool)>> watchers_;
    int nextWatcherId_ = 1;
    std::unique_ptr<Timer> tick_;
    // Removed interfaces, freed once no pump of theirs can be on the stack.
    std::vector<std::unique_ptr<detail::InterfaceState>> retired_;
    base::Lifetime lifetime_;
};

} // namespace ipmi::core
