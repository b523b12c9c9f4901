// The app's storage — what a real app keeps on the phone's flash: the outbox, the sessions it started (with
// their stop secrets) and the reservations it holds. An app restart keeps it or wipes it; the design must lose
// no money either way, because the pile keeps every bill until a receipt comes back. Bounded: the oldest
// records make room for new ones (the outbox refuses instead, see outbox.hpp).
#pragma once

#include "agent/config.hpp"
#include "agent/outbox.hpp"
#include "contract/key32.hpp"
#include "sim/time.hpp"

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace pilesim::agent {

struct session_record {
  std::uint64_t id = 0;
  std::string pile;
  key32 stop_secret{};
  std::string state;          // authorized | started | stopping | ended | refused
};

struct reservation_record {
  std::uint64_t id = 0;
  std::string pile;
  sim::time_us start_us = 0;
  sim::time_us end_us = 0;
  std::string state;          // open | used | cancelled
};

class storage {
 public:
  static constexpr std::size_t records_max = 16;

  explicit storage(const outbox_options& o) : box(o.uploads_max, o.receipts_max) {}

  outbox box;

  void remember(session_record r) { keep(sessions_, std::move(r)); }
  void remember(reservation_record r) { keep(reservations_, std::move(r)); }

  session_record* session(std::uint64_t id) {
    for (session_record& s : sessions_)
      if (s.id == id) return &s;
    return nullptr;
  }
  // The newest session the pile may still be running, which a stop is meant for: accepted, being stopped, or
  // authorized with the pile's answer lost (it may well have started).
  session_record* running_session() {
    for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it)
      if (it->state == "started" || it->state == "stopping" || it->state == "authorized") return &*it;
    return nullptr;
  }
  // An open reservation of `pile` whose window covers `now_us`: the one a start there uses.
  reservation_record* reservation_now(std::string_view pile, sim::time_us now_us) {
    for (reservation_record& r : reservations_)
      if (r.state == "open" && r.pile == pile && r.start_us <= now_us && now_us < r.end_us) return &r;
    return nullptr;
  }
  // The newest open reservation: the one "cancel" means.
  reservation_record* latest_open_reservation() {
    for (auto it = reservations_.rbegin(); it != reservations_.rend(); ++it)
      if (it->state == "open") return &*it;
    return nullptr;
  }

 private:
  template <class T>
  static void keep(std::deque<T>& d, T v) {
    if (d.size() >= records_max) d.pop_front();
    d.push_back(std::move(v));
  }

  std::deque<session_record> sessions_;
  std::deque<reservation_record> reservations_;
};

}  // namespace pilesim::agent
