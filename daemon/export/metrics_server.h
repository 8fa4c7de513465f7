// The HTTP listener Prometheus scrapes: GET (or HEAD) /metrics, HTTP/1.1
// with keep-alive, on a thread of its own so that a long render never
// delays the daemon's ticks. Each request renders the page anew, and sends
// it in gzip when the client asks (Prometheus always does).
#ifndef SLAMON_DAEMON_EXPORT_METRICS_SERVER_H_
#define SLAMON_DAEMON_EXPORT_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/export/exposition.h"
#include "prometheus/registry.h"

namespace slamon::exporter {

struct MetricsServerOptions {
  // A connection is closed after this long without a complete request, so
  // that idle or stalled clients cannot hold sockets for good.
  int idle_timeout_seconds = 60;
  // Connections beyond this are closed at once (Prometheus servers use one
  // each; anything more is a misbehaving client).
  int max_connections = 64;
  // Pages rendered and not yet sent, at most: each can be tens of megabytes
  // (65 MB at 10k queue keys), and clients that do not read would otherwise
  // pile them up. Requests beyond get 503.
  int max_pages_in_flight = 4;
};

class MetricsServer {
 public:
  // The text exposition of every metric, made per request, in pieces sent
  // one after the other.
  using RenderPage = std::function<Page()>;
  // Takes a rendered page back once sent, to reuse its buffers.
  using RecyclePage = std::function<void(Page)>;

  // Listens on `address` ("host:port", port 0 picks a free one) and serves
  // from a thread of its own until destroyed. Requests are counted by
  // status code in `registry` (slamon_metrics_requests_total).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address, RenderPage render,
                                                              RecyclePage recycle, prometheus::Registry& registry,
                                                              MetricsServerOptions options = {});
  ~MetricsServer();  // stops listening, closes connections, joins the thread

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const;

 private:
  struct State;
  explicit MetricsServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace slamon::exporter

#endif  // SLAMON_DAEMON_EXPORT_METRICS_SERVER_H_
