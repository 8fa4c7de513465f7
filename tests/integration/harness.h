// Runs real slamon binaries for integration tests: processes bound to
// 127.0.0.1 on ports they pick, a plain HTTP scrape, and a parser for the
// Prometheus text format.
#ifndef SLAMON_TESTS_INTEGRATION_HARNESS_H_
#define SLAMON_TESTS_INTEGRATION_HARNESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/support/byte_buffer.h>

#include "absl/time/time.h"
#include "slamon/v1/ingest.grpc.pb.h"
#include "tests/temp_dir.h"

namespace slamon::testing {

// Paths into the build and the source tree (fixed when the tests are built).
std::string BinaryPath(const std::string& relative);  // e.g. "daemon/slamond"
std::string SourcePath(const std::string& relative);
// The whole file, or "" if it cannot be read.
std::string ReadFile(const std::string& path);


// A child process; killed (SIGKILL) at destruction if still running.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& output_file);
  ~Process();
  pid_t pid() const { return pid_; }
  void Signal(int signal) const;
  // The exit code, or -signal if killed by one; nullopt on timeout.
  std::optional<int> Wait(double timeout_seconds);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = 0;
};

// Runs a command to completion, returning its exit code and output.
struct RunResult {
  int exit_code;
  std::string output;
};
RunResult Run(const std::vector<std::string>& argv, double timeout_seconds = 60);

// slamond on free loopback ports, with an optional config file and its
// state in `data_dir` (a fresh directory of its own when empty; pass one to
// restart on the state of an earlier daemon). `launcher` runs before it,
// e.g. {"prlimit", "--fsize=100000"}.
class Daemon {
 public:
  explicit Daemon(const std::string& config_yaml = "", const std::string& data_dir = "",
                  const std::string& grpc_listen = "127.0.0.1:0", const std::vector<std::string>& launcher = {});
  ~Daemon();
  const std::string& grpc_address() const { return grpc_; }
  const std::string& metrics_address() const { return metrics_; }
  std::string Log() const;
  std::string config_path() const { return config_path_; }
  Process& process() { return *process_; }
  std::unique_ptr<v1::Ingest::Stub> Stub() const;
  // Sends `events` as one batch over the unary call; the ack in `ack`.
  grpc::Status PublishBatch(const std::vector<v1::ContactEvent>& events, v1::BatchAck* ack) const;
  // The /metrics text.
  std::string Scrape() const;

 private:
  TempDir dir_;
  std::string config_path_;
  std::string log_path_;
  std::unique_ptr<Process> process_;
  std::string grpc_;
  std::string metrics_;
};

// An Ingest client of the slamond at `address`.
std::unique_ptr<v1::Ingest::Stub> IngestStub(const std::string& address);

// A loopback port free at the time of the call (for a daemon that must come
// back on the same address after a restart).
int FreePort();

// HTTP GET over loopback; the body, or an empty string on failure.
std::string HttpGet(const std::string& host_port, const std::string& path);

// A phone event of `contact` in `queue` from source "pbx", its event id
// "<contact>/<KIND>".
v1::ContactEvent PhoneEvent(v1::EventKind kind, const std::string& contact, absl::Time at,
                            const std::string& queue = "sales");

// Prometheus text format: "name{labels}" exactly as written -> value.
using Samples = std::map<std::string, double>;
Samples ParseMetrics(const std::string& text);
// The value of `name{labels}` (labels in the order the daemon writes them).
std::optional<double> Sample(const Samples& samples, const std::string& series);

// Raw bytes over the generic stub: neither the health nor the reflection
// protos are compiled into slamon, and no client for them is packaged.
grpc::ByteBuffer ByteBufferOf(const std::string& bytes);
std::string ByteBufferText(const grpc::ByteBuffer& buffer);
// One unary call of `method` ("/package.Service/Method") with `request`'s
// bytes; the response's bytes in `response`.
grpc::Status UnaryCallBytes(const std::string& address, const std::string& method, const std::string& request,
                            std::string* response);
// A grpc.health.v1.HealthCheckRequest naming `service` ("" asks about the
// server as a whole), and the two HealthCheckResponses.
std::string HealthRequest(const std::string& service);
inline const std::string kServing("\x08\x01", 2);
inline const std::string kNotServing("\x08\x02", 2);
// Health.Check: the response's bytes, or "error <code>".
std::string CheckHealth(const std::string& address, const std::string& service);

}  // namespace slamon::testing

#endif  // SLAMON_TESTS_INTEGRATION_HARNESS_H_
