#include "tests/integration/harness.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "proto/proto_time.h"

extern char** environ;

namespace slamon::testing {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

std::string JsonField(const std::string& json, const std::string& key) {
  const std::string needle = absl::StrCat("\"", key, "\": \"");
  const size_t at = json.find(needle);
  if (at == std::string::npos) return "";
  const size_t start = at + needle.size();
  return json.substr(start, json.find('"', start) - start);
}

}  // namespace

std::string BinaryPath(const std::string& relative) { return std::string(SLAMON_BINARY_DIR) + "/" + relative; }
std::string SourcePath(const std::string& relative) { return std::string(SLAMON_SOURCE_DIR) + "/" + relative; }

Process::Process(const std::vector<std::string>& argv, const std::string& output_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // posix_spawnp: a launcher such as "prlimit" is found on PATH.
  if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Process::Signal(int signal) const {
  // Never kill(-1) or kill(0): with no child that would signal every process
  // we may, or our own group.
  if (pid_ > 0 && !reaped_) kill(pid_, signal);
}

std::optional<int> Process::Wait(double timeout_seconds) {
  if (reaped_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;  // never started: waitpid(-1) would reap any child
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

RunResult Run(const std::vector<std::string>& argv, double timeout_seconds) {
  TempDir dir;
  const std::string out = dir.path() + "/output";
  Process p(argv, out);
  std::optional<int> code = p.Wait(timeout_seconds);
  return {code.value_or(-999), ReadFile(out)};
}

Daemon::Daemon(const std::string& config_yaml, const std::string& data_dir, const std::string& grpc_listen,
               const std::vector<std::string>& launcher) {
  log_path_ = dir_.path() + "/slamond.log";
  const std::string ports = dir_.path() + "/ports.json";
  std::vector<std::string> argv = {BinaryPath("daemon/slamond"), "--grpc-listen", grpc_listen,
                                   "--metrics-listen", "127.0.0.1:0", "--ports-file", ports,
                                   "--data-dir", data_dir.empty() ? dir_.path() + "/data" : data_dir};
  if (!config_yaml.empty()) {
    config_path_ = dir_.Write("slamon.yaml", config_yaml);
    argv.insert(argv.end(), {"--config", config_path_});
  }
  argv.insert(argv.begin(), launcher.begin(), launcher.end());
  process_ = std::make_unique<Process>(argv, log_path_);
  for (int i = 0; i < 3000 && !std::filesystem::exists(ports); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::string json = ReadFile(ports);
  grpc_ = JsonField(json, "grpc");
  metrics_ = JsonField(json, "metrics");
}

Daemon::~Daemon() {
  process_->Signal(SIGTERM);
  process_->Wait(10);
}

std::string Daemon::Log() const { return ReadFile(log_path_); }

std::unique_ptr<v1::Ingest::Stub> Daemon::Stub() const { return IngestStub(grpc_); }

std::unique_ptr<v1::Ingest::Stub> IngestStub(const std::string& address) {
  return v1::Ingest::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

grpc::Status Daemon::PublishBatch(const std::vector<v1::ContactEvent>& events, v1::BatchAck* ack) const {
  v1::EventBatch batch;
  for (const v1::ContactEvent& e : events) *batch.add_events() = e;
  grpc::ClientContext context;
  return Stub()->PublishBatch(&context, batch, ack);
}

std::string Daemon::Scrape() const { return HttpGet(metrics_, "/metrics"); }

int FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

std::string HttpGet(const std::string& host_port, const std::string& path) {
  namespace asio = boost::asio;
  const std::vector<std::string> parts = absl::StrSplit(host_port, ':');
  if (parts.size() != 2) return "";
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  asio::connect(socket, resolver.resolve(parts[0], parts[1], ec), ec);
  if (ec) return "";
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: ", host_port, "\r\n\r\n");
  asio::write(socket, asio::buffer(request), ec);
  std::string response;
  asio::read(socket, asio::dynamic_buffer(response), ec);  // HTTP/1.0: until the server closes
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

v1::ContactEvent PhoneEvent(v1::EventKind kind, const std::string& contact, absl::Time at, const std::string& queue) {
  v1::ContactEvent e;
  e.set_kind(kind);
  e.set_source("pbx");
  e.set_contact_id(contact);
  e.set_event_id(absl::StrCat(contact, "/", v1::EventKind_Name(kind)));
  e.set_queue(queue);
  e.set_channel("phone");
  SetTimestamp(at, e.mutable_occurred_at());
  return e;
}

Samples ParseMetrics(const std::string& text) {
  Samples out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    double value = 0;
    if (space == absl::string_view::npos || !absl::SimpleAtod(line.substr(space + 1), &value)) continue;
    out[std::string(line.substr(0, space))] = value;
  }
  return out;
}

std::optional<double> Sample(const Samples& samples, const std::string& series) {
  auto it = samples.find(series);
  if (it == samples.end()) return std::nullopt;
  return it->second;
}

grpc::ByteBuffer ByteBufferOf(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string ByteBufferText(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

grpc::Status UnaryCallBytes(const std::string& address, const std::string& method, const std::string& request,
                            std::string* response) {
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  grpc::ByteBuffer request_buffer = ByteBufferOf(request), response_buffer;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status s) { done.set_value(s); });
  const grpc::Status status = done.get_future().get();
  *response = ByteBufferText(response_buffer);
  return status;
}

std::string HealthRequest(const std::string& service) {
  if (service.empty()) return "";
  return absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())), service);
}

std::string CheckHealth(const std::string& address, const std::string& service) {
  std::string response;
  const grpc::Status status =
      UnaryCallBytes(address, "/grpc.health.v1.Health/Check", HealthRequest(service), &response);
  return status.ok() ? response : absl::StrCat("error ", status.error_code());
}

}  // namespace slamon::testing
