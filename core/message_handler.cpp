// The message handler's top level: interface registration and numbering,
// watchers, opening users, and the shared 1-s timer (the kernel's
// ipmi_timer), which runs only while some interface needs it: outstanding
// sequenced requests, event listeners, maintenance timers, or a receive
// queue held up by a full user.
#include "core/message_handler.hpp"

#include "core/interface_state.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>

namespace ipmi::core {

using detail::InterfaceState;

MessageHandler::MessageHandler(EventLoop& loop, MessageHandlerParams params)
    : loop_(loop), params_(params), tick_(loop.makeTimer())
{
}

MessageHandler::~MessageHandler()
{
    tick_->cancel();
    for (auto& [num, state] : interfaces_) {
        state->beginShutdown();
        state->shutdown();
    }
    interfaces_.clear();
    retired_.clear();
}

int MessageHandler::addInterface(std::unique_ptr<Interface> interface)
{
    int num = 0;
    while (interfaces_.contains(num)) {
        ++num;
    }
    auto state = std::make_unique<InterfaceState>(*this, num, std::move(interface));
    auto* raw = state.get();
    interfaces_.emplace(num, std::move(state));
    spdlog::info("ipmi{}: registering {}", num, raw->smiInfo().info.description);
    raw->start();
    return num;
}

void MessageHandler::retire(int ifnum)
{
    auto it = interfaces_.find(ifnum);
    if (it == interfaces_.end()) {
        return;
    }
    retired_.push_back(std::move(it->second));
    interfaces_.erase(it);
    // A pump of the retired interface may still be on the stack: free it
    // once the loop is back at the top.
    loop_.post(lifetime_.guard([this] { retired_.clear(); }));
}

void MessageHandler::removeInterface(int ifnum)
{
    auto it = interfaces_.find(ifnum);
    if (it == interfaces_.end() || it->second->phase() == InterfaceState::Phase::ShuttingDown) {
        return;
    }
    auto* state = it->second.get();
    const bool wasReady = state->phase() == InterfaceState::Phase::Ready;
    state->beginShutdown();
    if (wasReady) {
        const auto watchers = watchers_;
        for (const auto& [id, watcher] : watchers) {
            watcher(ifnum, false);
        }
    }
    state->shutdown();
    retire(ifnum);
    spdlog::info("ipmi{}: removed", ifnum);
}

int MessageHandler::failOutstanding(int ifnum)
{
    auto it = interfaces_.find(ifnum);
    if (it == interfaces_.end()) {
        return 0;
    }
    const int answered = it->second->status().outstandingRequests;
    it->second->failAllSeqs();
    return answered;
}

void MessageHandler::registrationFailed(int ifnum)
{
    auto it = interfaces_.find(ifnum);
    if (it == interfaces_.end()) {
        return;
    }
    it->second->beginShutdown();
    it->second->shutdown();
    retire(ifnum);
}

void MessageHandler::interfaceReady(int ifnum)
{
    spdlog::info("ipmi{}: ready", ifnum);
    const auto watchers = watchers_;
    for (const auto& [id, watcher] : watchers) {
        watcher(ifnum, true);
    }
}

std::vector<int> MessageHandler::interfaces() const
{
    std::vector<int> out;
    for (const auto& [num, state] : interfaces_) {
        if (state->phase() == InterfaceState::Phase::Ready) {
            out.push_back(num);
        }
    }
    return out;
}

std::optional<SmiInfo> MessageHandler::interfaceInfo(int ifnum) const
{
    auto it = interfaces_.find(ifnum);
    if (it == interfaces_.end() || it->second->phase() != InterfaceState::Phase::Ready) {
        return std::nullopt;
    }
    return it->second->smiInfo();
}

std::optional<InterfaceStatus> MessageHandler::interfaceStatus(int ifnum) const
{
    auto it = interfaces_.find(ifnum);
    if (it == interfaces_.end() || it->second->phase() != InterfaceState::Phase::Ready) {
        return std::nullopt;
    }
    return it->second->status();
}

int MessageHandler::userCount(int ifnum) const
{
    auto it = interfaces_.find(ifnum);
    if (it == interfaces_.end() || it->second->phase() != InterfaceState::Phase::Ready) {
        return -EINVAL;
    }
    return it->second->userCount();
}

int MessageHandler::addWatcher(std::function<void(int ifnum, bool added)> watcher)
{
    const int id = nextWatcherId_++;
    watchers_.emplace(id, watcher);
    for (const int num : interfaces()) {
        watcher(num, true);
    }
    return id;
}

void MessageHandler::removeWatcher(int id)
{
    watchers_.erase(id);
}

std::shared_ptr<detail::UserState> MessageHandler::newUser(int ifnum, UserHandler& handler, UserSlot slot, int& error)
{
    auto it = interfaces_.find(ifnum);
    if (it == interfaces_.end()) {
        error = -EINVAL;
        return nullptr;
    }
    return it->second->createUser(handler, slot, error);
}

Result<User> MessageHandler::createUser(int ifnum, UserHandler& handler, UserSlot slot)
{
    int error = 0;
    auto state = newUser(ifnum, handler, slot, error);
    if (!state) {
        return Result<User>{nullptr, error};
    }
    return Result<User>{std::unique_ptr<User>(new User(std::move(state))), 0};
}

void MessageHandler::needTick()
{
    if (!tick_->pending()) {
        tick_->start(std::chrono::milliseconds(detail::kTickMs), [this] { tick(); });
    }
}

void MessageHandler::tick()
{
    std::vector<int> nums;
    for (const auto& [num, state] : interfaces_) {
        nums.push_back(num);
    }
    bool need = false;
    for (const int num : nums) {
        auto it = interfaces_.find(num);
        if (it != interfaces_.end()) {
            need = it->second->tick() || need;
        }
    }
    if (need) {
        needTick();
    }
}

} // namespace ipmi::core
