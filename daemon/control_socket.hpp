// The control socket: a unix stream socket (default /run/ipmi-cuse/control,
// mode 0660) with a line protocol. A client sends one command line and reads
// the reply until the daemon closes the connection:
//   "status"  -> per-interface lines and counters, then "end"
//   "version" -> "ipmi-cuse 0.1.0"
//   other     -> "error unknown command '...'"
// The server runs on the loop; the handler that builds a reply must not block.
// queryControlSocket() is the client side, used by `ipmi-cuse status`.
#pragma once

#include "daemon/asio.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace ipmi::daemon {

class ControlServer
{
  public:
    using Handler = std::function<std::string(const std::string& command)>;

    ControlServer(boost::asio::io_context& io, Handler handler);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Creates the socket (and its directory). Refuses if another daemon
    // answers on it; a stale socket file is replaced. "" or the reason.
    [[nodiscard]] std::string start(const std::filesystem::path& path);
    // Stops accepting and removes the socket file.
    void stop();

  private:
    void accept();

    boost::asio::io_context& io_;
    Handler handler_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::filesystem::path path_;
};

// Sends `command` and collects the reply (blocking; for the status client).
// Returns "" or a message naming the socket and what failed.
[[nodiscard]] std::string queryControlSocket(const std::filesystem::path& path, const std::string& command,
                                             std::string& reply);

} // namespace ipmi::daemon
