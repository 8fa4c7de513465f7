#include "daemon/export/metrics_server.h"

#include <chrono>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "daemon/export/gzip.h"
#include "prometheus/counter.h"
#include "spdlog/spdlog.h"

namespace slamon::exporter {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr const char* kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

// What every connection shares with the server; connections keep it alive,
// so none outlives what it uses however the server stops.
struct Site {
  MetricsServer::RenderPage render;
  MetricsServer::RecyclePage recycle;
  MetricsServerOptions options;
  // Both touched by the server's one thread only.
  int open_connections = 0;
  int pages_in_flight = 0;  // rendered, not yet sent
  prometheus::Family<prometheus::Counter>* requests;

  void Count(http::status status) const {
    requests->Add({{"code", std::to_string(static_cast<unsigned>(status))}}).Increment();
  }
};

// What a reply sends after its header.
struct Body {
  Page text;
  const char* type = "text/plain; charset=utf-8";
  const char* encoding = nullptr;  // the Content-Encoding, if any
  bool page = false;               // a /metrics page: counted in flight until sent
  bool recycle = false;            // a page as rendered, to hand back once sent
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Site> site) : stream_(std::move(socket)), site_(std::move(site)) {
    ++site_->open_connections;
  }
  ~Connection() { --site_->open_connections; }

  void Read() {
    parser_.emplace();
    stream_.expires_after(std::chrono::seconds(site_->options.idle_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      return;  // the client is gone or idle: nothing to answer
    }
    if (ec) {  // malformed, oversized, or a body where none belongs
      Reply(http::status::bad_request, absl::StrCat("bad request: ", ec.message(), "\n"), /*keep_alive=*/false);
      return;
    }
    const http::request<http::empty_body>& request = parser_->get();
    const bool keep_alive = request.keep_alive();
    absl::string_view path(request.target().data(), request.target().size());
    path = path.substr(0, path.find('?'));
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      Reply(http::status::method_not_allowed, "only GET and HEAD are served\n", keep_alive);
    } else if (path != "/metrics") {
      Reply(http::status::not_found, "slamond serves /metrics only\n", keep_alive);
    } else if (site_->pages_in_flight >= site_->options.max_pages_in_flight) {
      Reply(http::status::service_unavailable, "too many scrapes still being sent; retry later\n", keep_alive);
    } else {
      ServePage(request, keep_alive);
    }
  }

  void ServePage(const http::request<http::empty_body>& request, bool keep_alive) {
    ++site_->pages_in_flight;
    Body body{.text = site_->render(), .type = kExpositionType, .page = true};
    if (AcceptsGzip(AcceptEncoding(request))) {
      Page compressed(1);
      GzipPage(body.text, compressed.front());
      if (site_->recycle) site_->recycle(std::move(body.text));  // its buffers serve the next scrape now
      body.text = std::move(compressed);
      body.encoding = "gzip";
    } else {
      body.recycle = true;
    }
    Reply(http::status::ok, std::move(body), keep_alive, request.method() == http::verb::head);
  }

  // The response is written by hand: the page comes in pieces (one per
  // metric family) that are sent as they are, without joining them.
  void Reply(http::status status, Body body, bool keep_alive, bool head = false) {
    site_->Count(status);
    size_t length = 0;
    for (const TextBuffer& piece : body.text) length += piece.size();
    const beast::string_view reason = http::obsolete_reason(status);
    header_ = absl::StrCat("HTTP/1.1 ", static_cast<unsigned>(status), " ",
                           absl::string_view(reason.data(), reason.size()),
                           "\r\nServer: slamond\r\nContent-Type: ", body.type, "\r\nContent-Length: ", length);
    if (body.encoding != nullptr) absl::StrAppend(&header_, "\r\nContent-Encoding: ", body.encoding);
    // Caches must not hand a gzip page to a client that did not ask for one.
    if (body.page) absl::StrAppend(&header_, "\r\nVary: Accept-Encoding");
    absl::StrAppend(&header_, status == http::status::method_not_allowed ? "\r\nAllow: GET, HEAD" : "",
                    keep_alive ? "" : "\r\nConnection: close", "\r\n\r\n");
    body_ = std::move(body);
    buffers_.clear();
    buffers_.push_back(asio::buffer(header_));
    if (!head) {
      for (const TextBuffer& piece : body_.text) buffers_.push_back(asio::buffer(piece.data(), piece.size()));
    }
    stream_.expires_after(std::chrono::seconds(site_->options.idle_timeout_seconds));
    asio::async_write(stream_, buffers_, [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
      // A page can be tens of megabytes: not kept by an idle connection.
      if (self->body_.page) --self->site_->pages_in_flight;
      if (self->body_.recycle && self->site_->recycle) self->site_->recycle(std::move(self->body_.text));
      self->body_ = Body();
      if (ec || !keep_alive) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return;
      }
      self->Read();
    });
  }
  void Reply(http::status status, absl::string_view text, bool keep_alive) {
    Body body;
    body.text.emplace_back(text);
    Reply(status, std::move(body), keep_alive);
  }

  // Every Accept-Encoding header of the request, joined as one list.
  static std::string AcceptEncoding(const http::request<http::empty_body>& request) {
    std::string joined;
    for (auto [it, end] = request.equal_range(http::field::accept_encoding); it != end; ++it) {
      absl::StrAppend(&joined, joined.empty() ? "" : ",", absl::string_view(it->value().data(), it->value().size()));
    }
    return joined;
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::string header_;
  Body body_;
  std::vector<asio::const_buffer> buffers_;
  std::shared_ptr<Site> site_;
};

}  // namespace

struct MetricsServer::State {
  std::shared_ptr<Site> site;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  std::thread thread;
  int port = 0;  // read before the thread starts: the acceptor is its alone

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors, most likely: retry shortly rather than spin.
        spdlog::warn("/metrics listener cannot accept a connection: {}", ec.message());
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](beast::error_code wait_error) {
          if (!wait_error) Accept();
        });
        return;
      }
      if (site->open_connections < site->options.max_connections) {
        std::make_shared<Connection>(std::move(socket), site)->Read();
      }  // else the socket closes as it goes out of scope
      Accept();
    });
  }
};

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address, RenderPage render,
                                                                   RecyclePage recycle, prometheus::Registry& registry,
                                                                   MetricsServerOptions options) {
  auto state = std::make_unique<State>();
  state->site = std::make_shared<Site>();
  state->site->render = std::move(render);
  state->site->recycle = std::move(recycle);
  state->site->options = options;
  state->site->requests = &prometheus::BuildCounter()
                               .Name("slamon_metrics_requests_total")
                               .Help("HTTP requests to the /metrics listener, by status code.")
                               .Register(registry);
  state->site->requests->Add({{"code", "200"}});  // present before the first scrape answers

  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("metrics address '", address, "' is not host:port"));
  }
  absl::string_view host(address.data(), colon);
  host = absl::StripSuffix(absl::StripPrefix(host, "["), "]");  // [::1]:9464
  const std::string port = address.substr(colon + 1);
  const auto fail = [&](const beast::error_code& ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen for /metrics on ", address, ": ", ec.message()));
  };
  beast::error_code ec;
  tcp::resolver resolver(state->io);
  const tcp::resolver::results_type endpoints =
      resolver.resolve(host.empty() ? "0.0.0.0" : std::string(host), port, tcp::resolver::passive, ec);
  if (ec) return fail(ec);
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);

  State* s = state.get();
  s->port = s->acceptor.local_endpoint().port();
  s->Accept();
  s->thread = std::thread([s] { s->io.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(state)));
}

MetricsServer::MetricsServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

MetricsServer::~MetricsServer() {
  state_->io.stop();
  state_->thread.join();
}

int MetricsServer::port() const { return state_->port; }

}  // namespace slamon::exporter
