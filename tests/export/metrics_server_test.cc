// The /metrics listener over real sockets on 127.0.0.1, spoken to by
// Beast's HTTP client side.
#include "daemon/export/metrics_server.h"

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "tests/export/gunzip.h"

namespace slamon::exporter {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = MetricsServer::Start(
        "127.0.0.1:0",
        [this] {
          absl::MutexLock lock(&mu_);
          ++renders_;
          Page page;
          page.emplace_back("# TYPE a gauge\na 1\n");
          page.emplace_back("# TYPE b gauge\nb 2\n");
          return page;
        },
        [this](Page page) {
          absl::MutexLock lock(&mu_);
          recycled_.push_back(std::move(page));
        },
        registry_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())});
  }

  http::response<http::string_body> Send(http::verb verb, const std::string& target, bool head = false,
                                         const std::string& accept_encoding = "") {
    http::request<http::empty_body> request(verb, target, 11);
    request.set(http::field::host, "127.0.0.1");
    if (!accept_encoding.empty()) request.set(http::field::accept_encoding, accept_encoding);
    http::write(socket_, request);
    http::response_parser<http::string_body> parser;
    parser.skip(head);  // a reply to HEAD has a Content-Length but no body
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

  // Request counts by code, as the registry would export them.
  std::map<std::string, double> Requests() {
    std::map<std::string, double> by_code;
    for (const prometheus::MetricFamily& f : registry_.Collect()) {
      if (f.name != "slamon_metrics_requests_total") continue;
      for (const prometheus::ClientMetric& m : f.metric) by_code[m.label.at(0).value] = m.counter.value;
    }
    return by_code;
  }

  absl::Mutex mu_;
  int renders_ = 0;
  std::vector<Page> recycled_;
  prometheus::Registry registry_;
  std::unique_ptr<MetricsServer> server_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  boost::beast::flat_buffer buffer_;
};

TEST_F(MetricsServerTest, ServesThePageInPiecesOnOneKeptAliveConnection) {
  for (int i = 1; i <= 2; ++i) {
    const http::response<http::string_body> r = Send(http::verb::get, "/metrics");
    EXPECT_EQ(r.result(), http::status::ok);
    EXPECT_EQ(r[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(r[http::field::content_length], "38");
    EXPECT_EQ(r.body(), "# TYPE a gauge\na 1\n# TYPE b gauge\nb 2\n");
    EXPECT_TRUE(r.keep_alive());
  }
  // The query string Prometheus may add is not part of the path.
  EXPECT_EQ(Send(http::verb::get, "/metrics?format=text").result(), http::status::ok);
  server_.reset();  // joins the server's thread: the counts below are final
  EXPECT_EQ(renders_, 3);
  // A page is handed back when its write completes, which the server sees
  // before it reads the next request: the first two for sure; the third's
  // completion may still be queued when the server stops.
  ASSERT_GE(recycled_.size(), 2u);
  EXPECT_LE(recycled_.size(), 3u);
  ASSERT_EQ(recycled_[1].size(), 2u);
  EXPECT_EQ(recycled_[1][0].view(), "# TYPE a gauge\na 1\n");
  EXPECT_EQ(recycled_[1][1].view(), "# TYPE b gauge\nb 2\n");
  EXPECT_EQ(Requests(), (std::map<std::string, double>{{"200", 3}}));
}

TEST_F(MetricsServerTest, HeadGivesTheLengthWithoutTheBody) {
  const http::response<http::string_body> r = Send(http::verb::head, "/metrics", /*head=*/true);
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(r[http::field::content_length], "38");
  EXPECT_EQ(r.body(), "");
  // The connection is still in step: the next answer is whole.
  EXPECT_EQ(Send(http::verb::get, "/metrics").body(), "# TYPE a gauge\na 1\n# TYPE b gauge\nb 2\n");
}

TEST_F(MetricsServerTest, AScrapeThatAsksForGzipGetsThePageInGzip) {
  const http::response<http::string_body> zipped = Send(http::verb::get, "/metrics", false, "gzip");
  EXPECT_EQ(zipped.result(), http::status::ok);
  EXPECT_EQ(zipped[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(zipped[http::field::content_encoding], "gzip");
  EXPECT_EQ(zipped[http::field::vary], "Accept-Encoding");
  EXPECT_EQ(zipped[http::field::content_length], std::to_string(zipped.body().size()));
  EXPECT_EQ(Gunzip(zipped.body()), "# TYPE a gauge\na 1\n# TYPE b gauge\nb 2\n");
  // HEAD tells the length of the same gzip body.
  const http::response<http::string_body> head = Send(http::verb::head, "/metrics", true, "gzip");
  EXPECT_EQ(head[http::field::content_encoding], "gzip");
  EXPECT_EQ(head[http::field::content_length], std::to_string(zipped.body().size()));
  // Refusing gzip, or not asking, gets the text as it is.
  for (const char* refusing : {"gzip;q=0", "identity", ""}) {
    const http::response<http::string_body> plain = Send(http::verb::get, "/metrics", false, refusing);
    EXPECT_EQ(plain[http::field::content_encoding], "") << refusing;
    EXPECT_EQ(plain[http::field::vary], "Accept-Encoding") << refusing;
    EXPECT_EQ(plain.body(), "# TYPE a gauge\na 1\n# TYPE b gauge\nb 2\n") << refusing;
  }
  server_.reset();
  EXPECT_EQ(renders_, 5);
  // A page sent in gzip is handed back as rendered, not as its gzip, and at
  // once (before it is sent): the two gzip scrapes' pages come first.
  ASSERT_GE(recycled_.size(), 4u);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(recycled_[i].size(), 2u);
    EXPECT_EQ(recycled_[i][0].view(), "# TYPE a gauge\na 1\n");
  }
  EXPECT_EQ(Requests(), (std::map<std::string, double>{{"200", 5}}));
}

TEST_F(MetricsServerTest, OtherPathsAndMethodsAreRefusedAndCounted) {
  const http::response<http::string_body> missing = Send(http::verb::get, "/");
  EXPECT_EQ(missing.result(), http::status::not_found);
  EXPECT_EQ(missing.body(), "slamond serves /metrics only\n");
  const http::response<http::string_body> post = Send(http::verb::post, "/metrics");
  EXPECT_EQ(post.result(), http::status::method_not_allowed);
  EXPECT_EQ(post[http::field::allow], "GET, HEAD");
  server_.reset();
  EXPECT_EQ(renders_, 0);  // nothing rendered for them
  EXPECT_EQ(Requests(), (std::map<std::string, double>{{"200", 0}, {"404", 1}, {"405", 1}}));
}

TEST_F(MetricsServerTest, MalformedRequestGets400AndTheConnectionCloses) {
  asio::write(socket_, asio::buffer(std::string("HELLO THERE\r\n\r\n")));
  std::string reply;
  boost::system::error_code ec;
  asio::read(socket_, asio::dynamic_buffer(reply), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_EQ(reply.substr(0, reply.find("\r\n")), "HTTP/1.1 400 Bad Request");
  EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  server_.reset();
  EXPECT_EQ(Requests().at("400"), 1);
}

// Clients that ask and do not read hold their pages; past the limit a
// scrape is refused rather than another page made.
TEST(MetricsServerLimitTest, PagesNotYetSentAreLimited) {
  prometheus::Registry registry;
  constexpr size_t kPageBytes = 32 << 20;  // more than loopback sockets buffer
  auto started = MetricsServer::Start(
      "127.0.0.1:0",
      [] {
        Page page;
        page.emplace_back(std::string(kPageBytes, 'x'));
        return page;
      },
      nullptr, registry, {.max_pages_in_flight = 2});
  ASSERT_TRUE(started.ok()) << started.status();
  const tcp::endpoint server{asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>((*started)->port())};
  asio::io_context io;
  const std::string get = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<tcp::socket> slow;
  for (int i = 0; i < 2; ++i) {
    slow.emplace_back(io).connect(server);
    asio::write(slow.back(), asio::buffer(get));
    char first[64];
    slow.back().read_some(asio::buffer(first));  // its page is being sent
  }
  tcp::socket third(io);
  third.connect(server);
  asio::write(third, asio::buffer(get));
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> refused;
  http::read(third, buffer, refused);
  EXPECT_EQ(refused.result(), http::status::service_unavailable);
  EXPECT_EQ(refused.body(), "too many scrapes still being sent; retry later\n");
  // Once the slow clients are gone, their pages are let go and scrapes are
  // served again (the server sees the closes asynchronously: a few tries).
  for (tcp::socket& socket : slow) socket.close();
  http::status status = http::status::service_unavailable;
  for (int attempt = 0; attempt < 100 && status == http::status::service_unavailable; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    tcp::socket next(io);
    next.connect(server);
    asio::write(next, asio::buffer(get));
    boost::beast::flat_buffer next_buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kPageBytes);
    http::read(next, next_buffer, parser);
    status = parser.get().result();
    if (status == http::status::ok) {
      EXPECT_EQ(parser.get().body().size(), kPageBytes);
    }
  }
  EXPECT_EQ(status, http::status::ok);
}

TEST(MetricsServerStartTest, BusyPortAndBadAddressAreClearErrors) {
  prometheus::Registry registry;
  const auto render = [] { return Page(); };
  auto first = MetricsServer::Start("127.0.0.1:0", render, nullptr, registry);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string busy = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = MetricsServer::Start(busy, render, nullptr, registry);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(), absl::StrCat("cannot listen for /metrics on ", busy, ": Address already in use"));
  auto bad = MetricsServer::Start("9464", render, nullptr, registry);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "metrics address '9464' is not host:port");
}

}  // namespace
}  // namespace slamon::exporter
