// Internal to the message handler: everything ipmi_msghandler keeps per
// interface (struct ipmi_smi): its users, the transmit queues (high priority
// first, one message in flight), the 64-slot sequence table, channels and
// per-channel "my address"/LUN, command receivers, the event backlog,
// maintenance mode, statistics and the BMC identity. The implementation is
// split by concern: interface_state.cpp (life cycle, users, the transmit and
// receive pumps), request.cpp (validating and formatting user requests),
// sequence_table.cpp (slots, retries, timeouts), incoming.cpp (responses
// and commands from the BMC's receive queue), events.cpp, commands.cpp,
// maintenance.cpp and bmc_identity.cpp (GUID, Device ID, channel scan).
//
// Not a public header: users go through MessageHandler, User and IpmiFile.
#pragma once

#include "base/pump_guard.hpp"
#include "core/message_handler.hpp"

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace ipmi::core::detail {

class InterfaceState;

// The kernel's struct ipmi_user.
struct UserState
{
    InterfaceState* intf = nullptr; // null once destroyed
    UserHandler* handler = nullptr;
    int ifnum = -1;
    bool getsEvents = false;
    bool wantsPretimeout = false;
    UserSlot slot = UserSlot::Counted;
    std::shared_ptr<int> nrMsgs = std::make_shared<int>(0);
};

// A message on its way to a user (struct ipmi_recv_msg before delivery).
struct PendingReply
{
    std::shared_ptr<UserState> user; // null for the handler's own traffic
    ReceivedMessage msg;
};

// Who is waiting for the response to a message sent to the interface.
enum class Owner : std::uint8_t
{
    User,         // a system-interface request: the response goes to the user
    Sequenced,    // Send Message of a sequence-table IPMB/LAN request
    ResponseSend, // Send Message carrying a user's IPMB/LAN response (type 4)
    Internal,     // Get Device ID / GUID / Channel Info
    AutoReply,    // our 0xC1 answer to an unregistered IPMB command
    Local,        // refused by the user's RequestGate: answered here, never sent
};

struct Outgoing
{
    // Moved to the interface when sent (a Sequenced message's retries send
    // its SeqEntry's frame); `head` keeps what the answer is matched against.
    SmiBytes data;
    std::array<std::uint8_t, 3> head{}; // netfn/lun, cmd, first data byte (a Send Message's channel)
    Owner owner = Owner::User;
    std::unique_ptr<PendingReply> reply; // User, ResponseSend
    unsigned seq = 0;                    // Sequenced
    long seqid = 0;                      // Sequenced
    std::function<void(const SmiBytes&)> internal;
};

struct SeqEntry
{
    bool inuse = false;
    bool broadcast = false;
    unsigned long timeoutMs = 0;     // left until the next retry or expiry
    unsigned long origTimeoutMs = 0; // the retry time
    unsigned retriesLeft = 0;
    long seqid = 0;
    std::unique_ptr<PendingReply> reply;
    SmiBytes frame; // the Send Message, kept for retransmission
};

struct AddrInfo
{
    std::uint8_t address = 0x20;
    std::uint8_t lun = 2;
};

struct CmdReceiver
{
    std::shared_ptr<UserState> user;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    unsigned chans = 0;
};

inline constexpr unsigned kNumSeq = 64;
inline constexpr unsigned kNumChannels = 16;
inline constexpr unsigned long kMaxMsgTimeoutMs = 60000; // MAX_MSG_TIMEOUT
inline constexpr unsigned kMaxEventsInQueue = 25;        // MAX_EVENTS_IN_QUEUE
inline constexpr unsigned kGetDeviceIdMaxRetry = 5;      // GET_DEVICE_ID_MAX_RETRY
inline constexpr unsigned kTickMs = 1000;                // IPMI_TIMEOUT_TIME

class InterfaceState : public InterfaceHost
{
  public:
    enum class Phase : std::uint8_t
    {
        Registering, // identity fetch / channel scan under way: not visible
        Ready,
        ShuttingDown,
    };

    InterfaceState(MessageHandler& owner, int num, std::unique_ptr<Interface> interface);
    ~InterfaceState() override;
    InterfaceState(const InterfaceState&) = delete;
    InterfaceState& operator=(const InterfaceState&) = delete;

    void start();
    // Marks the interface as going away (new users get ENODEV) before the
    // watchers are told; shutdown() then does ipmi_unregister_smi's work.
    void beginShutdown() { phase_ = Phase::ShuttingDown; }
    void shutdown();
    // Every request in the sequence table answered with 0xFF (sequence_table.cpp).
    void failAllSeqs();
    // One 1-s tick of ipmi_timeout; true while ticks are still needed.
    bool tick();
    [[nodiscard]] bool needsTick() const;

    [[nodiscard]] int num() const { return num_; }
    [[nodiscard]] Phase phase() const { return phase_; }
    [[nodiscard]] SmiInfo smiInfo() const;
    [[nodiscard]] InterfaceStatus status() const;
    [[nodiscard]] int userCount() const { return nrUsers_; }

    // InterfaceHost
    void smiResponse(SmiBytes response) override;
    void smiReceived(SmiBytes message) override;
    void smiWatchdogPretimeout() override;

    // Users (interface_state.cpp)
    std::shared_ptr<UserState> createUser(UserHandler& handler, UserSlot slot, int& error);
    void destroyUser(UserState& user);

    // Requests (request.cpp)
    int request(const std::shared_ptr<UserState>& user, abi::ipmi_addr addr, long msgid, std::uint8_t netfn,
                std::uint8_t cmd, RequestBody body, const RequestOptions& options);

    // Events (events.cpp)
    int setGetsEvents(const std::shared_ptr<UserState>& user, bool on);

    // Addresses (commands.cpp)
    int setMyAddress(unsigned channel, std::uint8_t address);
    int getMyAddress(unsigned channel, std::uint8_t& address) const;
    int setMyLun(unsigned channel, std::uint8_t lun);
    int getMyLun(unsigned channel, std::uint8_t& lun) const;

    // Command receivers (commands.cpp)
    int registerForCmd(const std::shared_ptr<UserState>& user, std::uint8_t netfn, std::uint8_t cmd, unsigned chans);
    int unregisterForCmd(const std::shared_ptr<UserState>& user, std::uint8_t netfn, std::uint8_t cmd, unsigned chans);

    // Maintenance (maintenance.cpp)
    [[nodiscard]] int maintenanceMode() const { return maintenanceMode_; }
    int setMaintenanceMode(int mode);

  private:
    struct Incoming
    {
        SmiBytes rsp;
        std::optional<Outgoing> request; // set for smiResponse
    };
    enum class Handled : std::uint8_t
    {
        Done,
        Requeue, // a receiving user is at max_msgs_per_user: retry later
    };

    // interface_state.cpp
    void pump();
    void drainQueues();
    Handled handleIncoming(Incoming& in);
    void handleResponse(Outgoing& request, SmiBytes& rsp);
    void deliver(std::unique_ptr<PendingReply> reply, Stat handled, Stat unhandled);
    // deliver_err_response: a one-byte response carrying `cc`.
    void deliverError(std::unique_ptr<PendingReply> reply, std::uint8_t cc);
    void countResponse(std::uint8_t cc);
    void smiSend(Outgoing out, bool highPriority);
    void updateWatch();
    void inc(Stat stat) { ++stats_[static_cast<std::size_t>(stat)]; }
    [[nodiscard]] bool allocCharge(UserState& user, MessageCharge& charge) const;
    [[nodiscard]] bool isLanMedium(unsigned channel) const;

    // request.cpp
    int requestSystemInterface(Outgoing& out, const abi::ipmi_addr& addr, std::uint8_t netfn, std::uint8_t cmd,
                               RequestBody& body, RequestGate* gate);
    int requestIpmb(Outgoing& out, abi::ipmi_addr& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd,
                    std::span<const std::uint8_t> data, const RequestOptions& options);
    int requestLan(Outgoing& out, const abi::ipmi_addr& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd,
                   std::span<const std::uint8_t> data, const RequestOptions& options);
    // Asks `gate` (if any) about the request `out` carries; on a refusal
    // turns `out` into its local answer (Owner::Local) and returns true.
    static bool refusedByGate(Outgoing& out, RequestGate* gate, bool broadcast, std::span<const std::uint8_t> data);

    // sequence_table.cpp
    int nextSeq(std::unique_ptr<PendingReply>& reply, unsigned long timeoutMs, int retries, bool broadcast,
                unsigned& seq, long& seqid);
    void startSeqTimer(unsigned seq, long seqid);
    void errorSeq(unsigned seq, long seqid, std::uint8_t cc);
    std::unique_ptr<PendingReply> findSeq(unsigned seq, unsigned channel, std::uint8_t cmd, std::uint8_t netfn,
                                          const abi::ipmi_addr& addr);
    void checkTimeouts(unsigned long periodMs);
    void dropUserSeqs(const UserState& user);
    [[nodiscard]] int seqsInUse() const;
    void handleSendMessageResponse(const Outgoing& request, const SmiBytes& rsp);

    // incoming.cpp
    Handled handleGetMessage(const SmiBytes& rsp);
    void handleIpmbResponse(const SmiBytes& rsp);
    Handled handleIpmbCommand(const SmiBytes& rsp);
    void handleLanResponse(const SmiBytes& rsp);
    Handled handleLanCommand(const SmiBytes& rsp);
    Handled handleOemCommand(const SmiBytes& rsp);
    // Charges the receiver and delivers; Requeue if it is at its limit.
    Handled deliverCommand(const std::shared_ptr<UserState>& user, ReceivedMessage msg);

    // events.cpp
    Handled handleEvent(const SmiBytes& rsp);
    void requestEvents();

    // commands.cpp
    [[nodiscard]] const CmdReceiver* findCmdReceiver(std::uint8_t netfn, std::uint8_t cmd, unsigned channel) const;
    void dropUserReceivers(const UserState& user);

    // maintenance.cpp
    void noteMaintenanceCommand(std::uint8_t netfn, std::uint8_t cmd);
    void noteIpmbMaintenanceCommand(std::uint8_t netfn, std::uint8_t cmd);
    void maintenanceTick(unsigned long periodMs);
    void maintenanceUpdate();
    [[nodiscard]] static bool isMaintenanceCommand(std::uint8_t netfn, std::uint8_t cmd);

    // bmc_identity.cpp
    void sendInternal(std::uint8_t cmd, std::vector<std::uint8_t> data,
                      std::function<void(const SmiBytes&)> onResponse);
    void fetchGuid();
    void fetchDeviceId();
    void onDeviceId(const SmiBytes& rsp);
    void scanChannel(unsigned channel);
    void onChannelInfo(unsigned channel, const SmiBytes& rsp);
    void channelsReady();

    MessageHandler& owner_;
    const MessageHandlerParams& params_;
    int num_;
    std::unique_ptr<Interface> interface_;
    Phase phase_ = Phase::Registering;
    bool shutDown_ = false;

    // Users
    std::vector<std::shared_ptr<UserState>> users_;
    int nrUsers_ = 0;
    int eventWaiters_ = 0;
    int pretimeoutWaiters_ = 0;

    // Transmit side: one message in flight, high priority first.
    std::deque<Outgoing> hpXmit_;
    std::deque<Outgoing> xmit_;
    std::optional<Outgoing> inFlight_;
    // Receive side: responses and BMC messages, handled in arrival order.
    std::deque<Incoming> rcvQueue_;
    base::PumpGuard pump_;
    bool rcvStalled_ = false;
    unsigned watchMask_ = 0;

    std::array<SeqEntry, kNumSeq> seqTable_{};
    unsigned currSeq_ = 0;

    std::array<ChannelInfo, kNumChannels> channels_{};
    std::array<AddrInfo, kNumChannels> addrInfo_{};
    bool channelsReady_ = false;

    std::vector<CmdReceiver> cmdReceivers_;

    std::deque<ReceivedMessage> waitingEvents_;
    bool eventMsgPrinted_ = false;
    base::PumpGuard deliveringEvents_;

    int maintenanceMode_ = abi::IPMI_MAINTENANCE_MODE_AUTO;
    bool maintenanceEnabled_ = false;
    long autoMaintenanceTimeoutMs_ = 0;
    unsigned long ipmbMaintenanceTimeoutMs_ = 0;

    Statistics stats_{};
    ResponseClasses responses_;

    // BMC identity
    std::optional<DeviceId> deviceId_;
    std::optional<std::array<std::uint8_t, 16>> guid_;
    unsigned deviceIdRetries_ = 0;
    std::unique_ptr<Timer> retryTimer_;
};

} // namespace ipmi::core::detail
