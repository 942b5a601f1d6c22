// The control socket's server (on the loop) and client: see control_socket.hpp.
#include "daemon/control_socket.hpp"

#include <sys/stat.h>

#include <istream>
#include <system_error>

namespace ipmi::daemon {

namespace {

using boost::asio::local::stream_protocol;

constexpr std::size_t kMaxCommandLength = 1024;

// One client connection: read a line, answer, close.
class Session : public std::enable_shared_from_this<Session>
{
  public:
    Session(stream_protocol::socket socket, ControlServer::Handler& handler)
        : socket_(std::move(socket)), handler_(handler), buffer_(kMaxCommandLength)
    {
    }

    void run()
    {
        boost::asio::async_read_until(
            socket_, buffer_, '\n',
            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) { self->onLine(ec); });
    }

  private:
    void onLine(const boost::system::error_code& ec)
    {
        if (ec) {
            return; // client gone or line too long: drop the connection
        }
        std::istream in(&buffer_);
        std::string line;
        std::getline(in, line);
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        try {
            handler_(line, [self = shared_from_this()](std::string reply) { self->send(std::move(reply)); });
        } catch (const std::exception& e) {
            send(std::string("error ") + e.what() + "\n");
        }
    }

    void send(std::string reply)
    {
        if (replied_) {
            return;
        }
        replied_ = true;
        reply_ = std::move(reply);
        boost::asio::async_write(socket_, boost::asio::buffer(reply_),
                                 [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                                     boost::system::error_code ignored;
                                     self->socket_.shutdown(stream_protocol::socket::shutdown_both, ignored);
                                 });
    }

    stream_protocol::socket socket_;
    ControlServer::Handler& handler_;
    boost::asio::streambuf buffer_;
    std::string reply_;
    bool replied_ = false;
};

} // namespace

ControlServer::ControlServer(boost::asio::io_context& io, Handler handler) : handler_(std::move(handler)), acceptor_(io)
{
}

ControlServer::~ControlServer()
{
    stop();
}

std::optional<std::string> ControlServer::start(const std::filesystem::path& path)
{
    std::error_code fec;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), fec);
        if (fec) {
            return "cannot create " + path.parent_path().string() + " for the control socket: " + fec.message();
        }
    }
    if (std::filesystem::exists(path, fec)) {
        std::string reply;
        if (!queryControlSocket(path, "version", reply)) {
            return "another ipmi-cuse answers on " + path.string() + "; stop it or use --control-socket";
        }
        std::filesystem::remove(path, fec); // stale, from a daemon that died
    }
    boost::system::error_code ec;
    acceptor_.open(stream_protocol(), ec);
    if (!ec) {
        acceptor_.bind(stream_protocol::endpoint(path.string()), ec);
    }
    if (!ec) {
        acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        return "cannot listen on " + path.string() + ": " + ec.message();
    }
    ::chmod(path.c_str(), 0660);
    path_ = path;
    accept();
    return std::nullopt;
}

void ControlServer::stop()
{
    if (!acceptor_.is_open()) {
        return;
    }
    boost::system::error_code ec;
    acceptor_.close(ec);
    std::error_code fec;
    std::filesystem::remove(path_, fec);
}

void ControlServer::accept()
{
    acceptor_.async_accept([this](const boost::system::error_code& ec, stream_protocol::socket socket) {
        if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) {
            return;
        }
        if (!ec) {
            std::make_shared<Session>(std::move(socket), handler_)->run();
        }
        accept();
    });
}

std::optional<std::string> queryControlSocket(const std::filesystem::path& path, const std::string& command,
                                              std::string& reply)
{
    boost::asio::io_context io;
    stream_protocol::socket socket(io);
    boost::system::error_code ec;
    socket.connect(stream_protocol::endpoint(path.string()), ec);
    if (ec) {
        return "cannot connect to " + path.string() + ": " + ec.message() + " (is ipmi-cuse running?)";
    }
    const std::string line = command + "\n";
    boost::asio::write(socket, boost::asio::buffer(line), ec);
    if (ec) {
        return "cannot send to " + path.string() + ": " + ec.message();
    }
    boost::asio::streambuf buffer;
    boost::asio::read(socket, buffer, ec);
    if (ec && ec != boost::asio::error::eof) {
        return "cannot read from " + path.string() + ": " + ec.message();
    }
    reply.assign(boost::asio::buffers_begin(buffer.data()), boost::asio::buffers_end(buffer.data()));
    return std::nullopt;
}

} // namespace ipmi::daemon
