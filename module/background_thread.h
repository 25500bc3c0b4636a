// A thread a child process runs beside its workers (health checker, cache epoch poller): it sleeps
// in a way stop() interrupts at once, and stop() joins it, so a child never exits with it running.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace fleet::glue {

class BackgroundThread {
 public:
  ~BackgroundThread() { stop(); }
  void start(std::function<void()> body) { thread_ = std::thread(std::move(body)); }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  // Sleeps up to `d`; false when the thread is asked to stop.
  bool sleepFor(std::chrono::microseconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stop_; });
  }
  bool stopping() {
    std::lock_guard<std::mutex> lock(mu_);
    return stop_;
  }

 private:
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace fleet::glue
