#include "scenarios/engine/world.hpp"

#include "agent/agent.hpp"
#include "pile/pile_actor.hpp"
#include "scenarios/engine/expectations.hpp"
#include "scenarios/engine/invariants.hpp"
#include "server/database.hpp"
#include "server/read_model.hpp"
#include "server/server_actor.hpp"
#include "sim/ble_link.hpp"
#include "sim/kernel.hpp"
#include "sim/link.hpp"
#include "contract/keys.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace pilesim::scenarios {
namespace {

std::unique_ptr<server::database> open_database(const std::string& path) {
  auto db = server::database::open(path);
  if (!db) throw world_error("cannot open database '" + path + "': " + db.error().message());
  return std::make_unique<server::database>(std::move(*db));
}

class world {
 public:
  world(const scenario& s, const run_options& o)
      : s_(s),
        seed_(o.seed.value_or(s.seed)),
        k_(seed_),
        draws_(k_.stream("scenario/draws")),
        db_(open_database(o.db_path)) {
    if (o.trace_out) k_.trace().write_to(o.trace_out);
    build();
  }

  ~world() { k_.shutdown(); }

  run_outcome_report run() {
    schedule_steps();
    schedule_faults();
    server_->start();
    for (auto& [id, p] : piles_) p->start();
    for (auto& [id, u] : users_) u.agent->start();
    sim::run_outcome out = k_.run({.until = s_.until_us});
    return collect(out);
  }

 private:
  struct user_state {
    const user_config* cfg = nullptr;
    std::unique_ptr<sim::link> wan;
    std::map<std::string, std::unique_ptr<sim::ble_link>, std::less<>> ble;  // by pile id
    std::unique_ptr<agent::agent> agent;
    std::optional<pile::vehicle> vehicle;  // in the user's hands (not plugged)
    std::string plugged_at;                // pile id where the vehicle is plugged, if any
    std::string near;                      // pile id the phone is in range of, if any
  };

  sim::time_us draw(const drawn<sim::time_us>& d) {
    return d.exact() ? d.lo : draws_.uniform_signed(d.lo, d.hi);
  }
  std::uint32_t draw(const drawn<std::uint32_t>& d) {
    return d.exact() ? d.lo : static_cast<std::uint32_t>(draws_.uniform(d.lo, d.hi));
  }

  const tariff_config& tariff_of(const pile_config& p) const { return p.tariff ? *p.tariff : s_.tariff; }

  void build() {
    server::service_config sc;
    sc.seed = seed_;
    server_ = std::make_unique<server::server_actor>(k_, *db_, sc);
    for (const pile_config& p : s_.piles) {
      const tariff_config& t = tariff_of(p);
      server::pile_config pc;
      pc.id = p.id;
      pc.key = contract::derive_pile_key(seed_, p.id);
      pc.rate = t.rate();
      pc.no_show_fee = t.no_show_fee;
      pc.reservation_hold_us = t.reservation_hold_us;
      pc.authorization_ttl_us = t.authorization_ttl_us;
      (void)server_->svc()->add_pile(pc);
      pile::firmware_config fc;
      fc.pile_id = p.id;
      fc.power_w = p.power_w;
      fc.key = pc.key;
      fc.bill_store = static_cast<std::size_t>(p.bill_store);
      auto actor = std::make_unique<pile::pile_actor>(k_, fc);
      piles_.emplace(p.id, std::move(actor));
      pile_cfg_.emplace(p.id, &p);
    }
    ble_model_.delay_min_us = s_.links.ble.delay_us.lo;
    ble_model_.delay_max_us = s_.links.ble.delay_us.hi;
    ble_model_.loss_ppb = draw(s_.links.ble.loss_ppb);
    ble_model_.duplicate_ppb = draw(s_.links.ble.duplicate_ppb);
    wan_model_.delay_min_us = s_.links.wan.delay_us.lo;
    wan_model_.delay_max_us = s_.links.wan.delay_us.hi;
    wan_model_.loss_ppb = draw(s_.links.wan.loss_ppb);
    sim::ble_params bp;
    bp.mtu = static_cast<std::size_t>(s_.links.ble.mtu);

    for (const user_config& u : s_.users) {
      user_state& st = users_[u.id];
      st.cfg = &u;
      const std::string token = contract::derive_user_token(seed_, u.id);
      (void)server_->svc()->add_user(u.id, token, u.balance, 0);
      st.wan = std::make_unique<sim::link>(k_, "wan/" + u.id, wan_model_);
      server_->attach(*st.wan);
      for (const pile_config& p : s_.piles) {
        auto link = std::make_unique<sim::ble_link>(k_, "ble/" + p.id + "/" + u.id, ble_model_, bp);
        piles_.at(p.id)->attach(*link);
        st.ble.emplace(p.id, std::move(link));
      }
      agent::agent_config ac;
      ac.user = u.id;
      ac.token = token;
      if (u.vehicle) {
        ac.vehicle.id = u.vehicle->id;
        ac.vehicle.battery_wh = u.vehicle->battery_wh;
        ac.vehicle.max_ac_w = u.vehicle->max_ac_w.value_or(0);
        pile::vehicle v;
        v.id = u.vehicle->id;
        v.battery_wh = u.vehicle->battery_wh;
        // soc in ppm of the capacity, in mWh: battery_wh * 1000 * ppm / 1e6
        v.stored_mwh = u.vehicle->battery_wh * u.vehicle->soc_ppm / 1000;
        v.max_ac_w = u.vehicle->max_ac_w.value_or(0);
        st.vehicle = v;
      }
      user_state* self = &st;
      st.agent = std::make_unique<agent::agent>(k_, ac, *st.wan, [self](std::string_view pile) -> sim::ble_link* {
        auto it = self->ble.find(pile);
        return it == self->ble.end() ? nullptr : it->second.get();
      });
    }
  }

  void go_near(user_state& u, const std::string& pile) {
    if (u.near == pile) return;
    if (!u.near.empty()) {
      u.ble.at(u.near)->set_in_range(false);
      close_presence(u);
    }
    u.near = pile;
    u.ble.at(pile)->set_in_range(true);
    for (fault_state& fs : faults_)
      if (fs.active && fs.kind == "ble" && fs.target == pile) fs.near_users.insert(u.cfg->id);
    presences_.push_back({u.cfg->id, pile, k_.now(), s_.until_us});
  }

  void go_away(user_state& u) {
    if (u.near.empty()) return;
    u.ble.at(u.near)->set_in_range(false);
    close_presence(u);
    u.near.clear();
  }

  // Ends the user's open stretch in range (for the liveness check); the newest one is the open one.
  void close_presence(const user_state& u) {
    for (auto it = presences_.rbegin(); it != presences_.rend(); ++it)
      if (it->user == u.cfg->id) {
        it->to_us = k_.now();
        return;
      }
  }

  void plug(user_state& u, const std::string& pile) {
    if (!u.plugged_at.empty() || !u.vehicle) return;
    if (!occupied_by_[pile].empty()) return;  // one connector: another car is on it (the start will be refused)
    occupied_by_[pile] = u.cfg->id;
    pile::vehicle v = *u.vehicle;
    if (v.max_ac_w == 0) v.max_ac_w = pile_cfg_.at(pile)->power_w;  // SCENARIOS.md: default is the pile's power
    piles_.at(pile)->plug(v);
    u.vehicle.reset();
    u.plugged_at = pile;
  }

  void unplug(user_state& u) {
    if (u.plugged_at.empty()) return;
    if (auto v = piles_.at(u.plugged_at)->unplug()) u.vehicle = *v;
    occupied_by_[u.plugged_at].clear();
    u.plugged_at.clear();
  }

  void do_step(const step& st) {
    user_state& u = users_.at(st.user);
    k_.trace().event(k_.now(), "user/" + st.user, "step", {{"do", to_string(st.action)}, {"pile", st.pile}});
    switch (st.action) {
      case step_action::reserve: {
        agent::reserve_command c{st.pile, draw(st.start_us), st.duration_us ? draw(*st.duration_us) : 0};
        u.agent->command(c);
        break;
      }
      case step_action::cancel: u.agent->command(agent::cancel_command{}); break;
      case step_action::start:
        go_near(u, st.pile);
        plug(u, st.pile);
        u.agent->command(agent::start_command{st.pile, st.amount});
        break;
      case step_action::stop: u.agent->command(agent::stop_command{}); break;
      case step_action::leave:
        go_away(u);
        u.agent->command(agent::leave_command{});
        break;
      case step_action::arrive:
        go_near(u, st.pile);
        u.agent->command(agent::arrive_command{st.pile});
        break;
      case step_action::unplug: unplug(u); break;
      case step_action::app_restart: u.agent->command(agent::app_restart_command{st.keep_data}); break;
    }
  }

  // Every step's time is drawn up front, in file order, but only the next step waits in the kernel's queue:
  // each step schedules its successor in time order. The insertion numbers are reserved now in file order,
  // so steps at the same instant run exactly as if all had been scheduled at the start, while a long
  // scenario (the sessions benchmark has thousands of steps) keeps the event heap small.
  void schedule_steps() {
    agenda_.clear();
    agenda_.reserve(s_.steps.size());
    for (std::size_t i = 0; i < s_.steps.size(); ++i) {
      const sim::time_us at = draw(s_.steps[i].at_us);
      last_step_us_ = std::max(last_step_us_, at);
      agenda_.push_back({at, i});
    }
    std::stable_sort(agenda_.begin(), agenda_.end(),
                     [](const timed_step& a, const timed_step& b) { return a.at_us < b.at_us; });
    steps_order_ = k_.reserve_order(s_.steps.size());
    next_step_ = 0;
    schedule_next_step();
  }

  void schedule_next_step() {
    if (next_step_ == agenda_.size()) return;
    const timed_step t = agenda_[next_step_++];
    k_.at_reserved(t.at_us, steps_order_ + t.index, [this, i = t.index] {
      schedule_next_step();
      do_step(s_.steps[i]);
    });
  }

  struct fault_state {
    const fault* f = nullptr;
    sim::time_us at_us = 0;
    std::string kind;
    std::string target;
    std::uint64_t traffic_before = 0;
    bool applied = false;
    sim::time_us end_us = sim::time_max;  // when the previous state returns; time_max: never
    bool active = false;                    // ble: inside its window
    std::map<std::string, std::uint64_t> attempts_before;  // ble: connection attempts per phone at the start
    std::set<std::string> near_users;       // ble: phones near its pile at some time in the window
  };

  // Frames sent on the pile's links, plus the connection attempts of every phone: a fault that makes the pile
  // unreachable touches those attempts even when no frame is ever sent. Attempts are counted per phone, not per
  // pile, so a fault window counts them only for phones that were near its pile during the window.
  std::uint64_t ble_traffic(const std::string& pile) {
    std::uint64_t n = 0;
    for (auto& [id, u] : users_) n += u.ble.at(pile)->stats().sent;
    return n;
  }
  std::map<std::string, std::uint64_t> connect_attempts() {
    std::map<std::string, std::uint64_t> out;
    for (auto& [id, u] : users_) out[id] = u.agent->counters().ble_connects + u.agent->counters().ble_connect_failures;
    return out;
  }
  bool attempts_grew(const fault_state& fs) {
    const auto now = connect_attempts();
    for (const std::string& user : fs.near_users)
      if (now.at(user) > fs.attempts_before.at(user)) return true;
    return false;
  }

  void schedule_faults() {
    faults_.reserve(s_.faults.size());
    for (const fault& f : s_.faults) {
      fault_state& fs = faults_.emplace_back();
      fs.f = &f;
      fs.at_us = draw(f.at_us);
      const sim::time_us end = f.for_us ? fs.at_us + draw(*f.for_us) : sim::time_max;
      fs.end_us = end;
      std::visit([&](const auto& kind) { plan_fault(fs, kind, end); }, f.kind);
    }
  }

  void plan_fault(fault_state& fs, const ble_fault& b, sim::time_us end) {
    fs.kind = "ble";
    fs.target = b.pile;
    sim::link_model m = ble_model_;
    if (b.loss_ppb) m.loss_ppb = draw(*b.loss_ppb);
    if (b.duplicate_ppb) m.duplicate_ppb = draw(*b.duplicate_ppb);
    if (b.reorder_ppb) m.reorder_ppb = draw(*b.reorder_ppb);
    if (b.delay_us) {
      m.delay_min_us = b.delay_us->lo;
      m.delay_max_us = b.delay_us->hi;
    }
    const bool changes_model = b.loss_ppb || b.duplicate_ppb || b.reorder_ppb || b.delay_us;
    // A bare disconnect is an instant: nothing stays changed after it, so it heals at once.
    if (!changes_model && !b.mtu && end == sim::time_max) fs.end_us = fs.at_us;
    k_.at(fs.at_us, [this, &fs, b, m, changes_model] {
      k_.trace().event(k_.now(), "fault", "begin", {{"fault", "ble"}, {"pile", b.pile}});
      fs.traffic_before = ble_traffic(b.pile);
      fs.attempts_before = connect_attempts();
      fs.active = true;
      for (auto& [id, u] : users_)
        if (u.near == b.pile) fs.near_users.insert(id);
      for (auto& [id, u] : users_) {
        sim::ble_link& l = *u.ble.at(b.pile);
        if (b.disconnect && l.connected()) {
          l.disconnect("fault");
          fs.applied = true;
        }
        if (b.mtu) l.set_mtu(static_cast<std::size_t>(*b.mtu));
        if (changes_model) l.set_model(m);
      }
    });
    if (end != sim::time_max && (changes_model || b.mtu)) {
      k_.at(end, [this, &fs, b] {
        k_.trace().event(k_.now(), "fault", "end", {{"fault", "ble"}, {"pile", b.pile}});
        if (ble_traffic(b.pile) > fs.traffic_before || attempts_grew(fs)) fs.applied = true;
        fs.active = false;
        for (auto& [id, u] : users_) {
          sim::ble_link& l = *u.ble.at(b.pile);
          l.set_model(ble_model_);
          if (b.mtu) l.set_mtu(static_cast<std::size_t>(s_.links.ble.mtu));
        }
      });
    }
    if (end == sim::time_max && (changes_model || b.mtu)) open_faults_.push_back(&fs);
  }

  void plan_fault(fault_state& fs, const wan_fault& w, sim::time_us end) {
    fs.kind = "wan";
    fs.target = w.user;
    sim::link_model m = wan_model_;
    m.down = w.down;
    if (w.loss_ppb) m.loss_ppb = draw(*w.loss_ppb);
    if (w.delay_us) {
      m.delay_min_us = w.delay_us->lo;
      m.delay_max_us = w.delay_us->hi;
    }
    k_.at(fs.at_us, [this, &fs, w, m] {
      k_.trace().event(k_.now(), "fault", "begin", {{"fault", "wan"}, {"user", w.user}});
      sim::link& l = *users_.at(w.user).wan;
      fs.traffic_before = l.stats().sent;
      l.set_model(m);
    });
    if (end != sim::time_max) {
      k_.at(end, [this, &fs, w] {
        k_.trace().event(k_.now(), "fault", "end", {{"fault", "wan"}, {"user", w.user}});
        sim::link& l = *users_.at(w.user).wan;
        if (l.stats().sent > fs.traffic_before) fs.applied = true;
        l.set_model(wan_model_);
      });
    } else {
      open_faults_.push_back(&fs);
    }
  }

  void plan_fault(fault_state& fs, const server_fault&, sim::time_us end) {
    fs.kind = "server";
    fs.target = "server";
    k_.at(fs.at_us, [this, &fs, end] {
      k_.trace().event(k_.now(), "fault", "begin", {{"fault", "server"}});
      fs.traffic_before = server_->dropped_while_down();
      // Timed work that falls due while the server is down (expiries, hold releases) is state the crash
      // touches even when no request arrives: it must be done late, after the restart.
      if (server_deadline_within(k_.now(), end)) fs.applied = true;
      server_->crash();
    });
    if (end != sim::time_max) {
      k_.at(end, [this, &fs] {
        k_.trace().event(k_.now(), "fault", "end", {{"fault", "server"}});
        if (server_->dropped_while_down() > fs.traffic_before) fs.applied = true;
        server_->restart();
      });
    } else {
      open_faults_.push_back(&fs);
    }
  }

  void plan_fault(fault_state& fs, const pile_power_fault& p, sim::time_us end) {
    fs.kind = "pile";
    fs.target = p.pile;
    k_.at(fs.at_us, [this, &fs, p] {
      // A power cut always changes the pile's state (and ends any session), so it always applies.
      fs.applied = true;
      piles_.at(p.pile)->power_off();
    });
    if (end != sim::time_max) k_.at(end, [this, p] { piles_.at(p.pile)->power_on(); });
  }

  bool server_deadline_within(sim::time_us from, sim::time_us to) {
    for (const auto& x : server::list_sessions(*db_))
      if (x.state == "authorized" && x.hold_release_at_us >= from && x.hold_release_at_us < to) return true;
    for (const auto& x : server::list_reservations(*db_))
      if (x.state == "open" && x.end_us >= from && x.end_us < to) return true;
    return false;
  }

  static std::string session_state_word(const std::string& server_state) {
    if (server_state == "reconciled" || server_state == "expired") return server_state;
    return "open";  // authorized or started: not yet settled
  }

  run_outcome_report collect(const sim::run_outcome& out) {
    run_outcome_report r;
    r.scenario = s_.name;
    r.file = s_.file;
    r.seed = seed_;
    r.expect_fail = s_.expect.result.value == run_result::fail;
    r.events = out.events;
    r.sim_us = out.end_us;
    r.kernel_failure = out.failure;

    // Faults still open at the end: judge them by the traffic seen up to now.
    for (fault_state* fs : open_faults_) {
      if (fs->kind == "wan" && users_.at(fs->target).wan->stats().sent > fs->traffic_before) fs->applied = true;
      if (fs->kind == "ble" && (ble_traffic(fs->target) > fs->traffic_before || attempts_grew(*fs))) fs->applied = true;
      if (fs->kind == "server" && server_->dropped_while_down() > fs->traffic_before) fs->applied = true;
    }
    for (const fault_state& fs : faults_) r.faults.push_back({fs.at_us, fs.kind, fs.target, fs.applied});

    const auto sessions = server::list_sessions(*db_);
    std::map<std::uint64_t, const server::session_summary*> by_id;
    for (const auto& s : sessions) by_id[s.id] = &s;

    for (const user_config& uc : s_.users) {
      const user_state& u = users_.at(uc.id);
      for (const agent::start_attempt& a : u.agent->starts()) {
        session_outcome o;
        o.user = uc.id;
        o.pile = a.pile;
        o.session_id = a.session;
        auto it = by_id.find(a.session);
        if (a.session == 0 || it == by_id.end()) {
          o.state = "refused";
          o.refused_why = a.refused;
          o.frozen = a.amount;
        } else {
          const server::session_summary& s = *it->second;
          o.state = session_state_word(s.state);
          if (!a.refused.empty() && s.state == "expired") {
            o.state = "refused";
            o.refused_why = a.refused;
          }
          o.stop_reason = s.stop_reason;
          o.energy_wh = s.energy_wh;
          o.frozen = s.frozen;
          o.charged = s.charged;
          o.refunded = s.refunded;
          o.reconciled_at_us = s.reconciled_at_us;
        }
        r.sessions.push_back(std::move(o));
      }
    }

    const auto reservations = server::list_reservations(*db_);
    for (const user_config& uc : s_.users) {
      for (const agent::reservation_attempt& a : users_.at(uc.id).agent->reservations()) {
        reservation_outcome o{uc.id, a.pile, "refused"};
        for (const auto& x : reservations)
          if (x.id == a.id && a.id != 0) o.state = x.state;
        r.reservations.push_back(std::move(o));
      }
    }

    for (const auto& b : server::list_balances(*db_)) r.balances[b.user] = b.balance;
    for (const auto& x : server::list_refusals(*db_)) r.refused[x.kind] += x.count;
    std::int64_t start_refusals = 0, bill_refusals = 0;
    for (const auto& [kind, n] : r.refused)
      if (kind.rfind("bill_", 0) == 0) bill_refusals += n;
    for (auto& [id, p] : piles_) {
      const auto& c = p->fw().counters();
      start_refusals += static_cast<std::int64_t>(c.starts_refused);
      r.refused["stop"] += static_cast<std::int64_t>(c.stops_refused);
      r.refused["receipt"] += static_cast<std::int64_t>(c.receipts_refused);
    }
    r.refused["start_authorization"] = start_refusals;
    r.refused["bill"] = bill_refusals;
    std::int64_t starts_refused_by_server = 0, reservations_refused = 0;
    for (const auto& so : r.sessions)
      if (so.state == "refused") ++starts_refused_by_server;
    for (const auto& ro : r.reservations)
      if (ro.state == "refused") ++reservations_refused;
    r.refused["start"] = starts_refused_by_server;
    r.refused["reservation"] = reservations_refused;

    invariant_inputs in;
    const auto totals = server::read_totals(*db_);
    in.deposits = totals.deposits;
    in.balances = totals.balances;
    in.held = totals.held;
    in.revenue = totals.revenue;
    server::ledger books(*db_);
    in.ledger_audit = books.audit();
    for (const auto& s : sessions)
      in.sessions.push_back({s.id, s.pile, s.state, s.energy_wh, s.frozen, s.charged, s.settle_count, s.held,
                             s.reconciled_at_us, s.expires_at_us, s.hold_release_at_us});
    for (auto& [id, p] : piles_)
      for (const auto& m : p->metered())
        in.metered.push_back(
            {id, m.session_id, m.energy_wh, m.cap_wh, m.starts, m.ended, m.started_at_us, m.ended_at_us});
    for (const auto& x : reservations) in.reservations.push_back({x.id, x.pile, x.start_us, x.end_us, x.state});
    in.liveness.until_us = s_.until_us;
    in.liveness.presences = presences_;
    sim::time_us heal = last_step_us_;
    for (const fault_state& fs : faults_) {
      if (fs.end_us == sim::time_max) {
        in.liveness.never_heals_because = "faults[" + std::to_string(fs.f->index) + "] " + fs.kind + " " +
                                          fs.target + " never ends";
        break;
      }
      heal = std::max(heal, fs.end_us);
    }
    if (in.liveness.never_heals_because.empty()) in.liveness.heal_us = heal;
    for (const auto& [kind, n] : r.refused) in.refusals.push_back({kind, n});
    r.invariants = check_invariants(in);
    if (!faults_.empty()) {
      std::vector<fault_applied_input> fa;
      for (const fault_state& fs : faults_) fa.push_back({fs.f->index, fs.kind, fs.target, fs.at_us, fs.applied});
      r.invariants.push_back(check_faults_applied(fa));
    }
    if (!out.failure.empty()) r.invariants.push_back({"no_actor_failed", false, out.failure});

    r.expectations = check_expectations(s_, r);
    r.passed = out.failure.empty();
    for (const auto& c : r.invariants) r.passed = r.passed && c.held;
    for (const auto& c : r.expectations) r.passed = r.passed && c.held;
    r.trace_hash = k_.trace().hash_hex();
    r.trace_events = k_.trace().count();
    return r;
  }

  const scenario& s_;
  std::uint64_t seed_;
  sim::kernel k_;
  sim::rng draws_;
  std::unique_ptr<server::database> db_;
  std::unique_ptr<server::server_actor> server_;
  std::map<std::string, std::unique_ptr<pile::pile_actor>> piles_;
  std::map<std::string, const pile_config*> pile_cfg_;
  std::map<std::string, std::string> occupied_by_;  // pile id -> user whose car is plugged in
  std::map<std::string, user_state> users_;
  std::vector<fault_state> faults_;  // reserved up front: events hold pointers into it
  std::vector<fault_state*> open_faults_;
  std::vector<presence> presences_;  // phones in BLE range of piles, for the liveness check
  sim::time_us last_step_us_ = 0;
  struct timed_step {
    sim::time_us at_us;
    std::size_t index;  // in the file
  };
  std::vector<timed_step> agenda_;  // every step, in the order they run
  std::size_t next_step_ = 0;       // the first one not yet scheduled
  std::uint64_t steps_order_ = 0;   // step i runs at insertion number steps_order_ + i
  sim::link_model ble_model_;
  sim::link_model wan_model_;
};

}  // namespace

run_outcome_report run_scenario(const scenario& s, const run_options& o) {
  world w(s, o);
  return w.run();
}

}  // namespace pilesim::scenarios
