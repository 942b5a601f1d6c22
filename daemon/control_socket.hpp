// The control socket: a unix stream socket (default /run/ipmi-cuse/control,
// mode 0660) with a line protocol. A client sends one command line and reads
// the reply until the daemon closes the connection:
//   "status"  -> per-interface lines and counters, then "end"
//   "version" -> "ipmi-cuse VERSION" (version.hpp)
//   the verbs of control_commands.hpp, answered when the work is done
//   other     -> "error unknown command '...'"
// The server runs on the loop; the handler must not block: it calls its
// Reply (exactly once, now or later on the loop) with the reply text.
// queryControlSocket() is the client side, used by `ipmi-cuse status`.
#pragma once

#include "daemon/asio.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ipmi::daemon {

class ControlServer
{
  public:
    using Reply = std::function<void(std::string reply)>;
    using Handler = std::function<void(const std::string& command, Reply reply)>;

    ControlServer(boost::asio::io_context& io, Handler handler);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Creates the socket (and its directory). Refuses if another daemon
    // answers on it; a stale socket file is replaced. nullopt or the reason.
    [[nodiscard]] std::optional<std::string> start(const std::filesystem::path& path);
    // Stops accepting and removes the socket file.
    void stop();

  private:
    void accept();

    Handler handler_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::filesystem::path path_;
};

// Sends `command` and collects the reply (blocking; for the status client).
// Returns nullopt or a message naming the socket and what failed.
[[nodiscard]] std::optional<std::string> queryControlSocket(const std::filesystem::path& path,
                                                            const std::string& command, std::string& reply);

} // namespace ipmi::daemon
