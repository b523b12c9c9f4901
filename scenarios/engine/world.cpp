#include "scenarios/engine/world.hpp"

#include "scenarios/engine/agenda.hpp"
#include "scenarios/engine/collect.hpp"
#include "scenarios/engine/faults.hpp"
#include "scenarios/engine/fleet.hpp"
#include "scenarios/engine/run_draws.hpp"
#include "scenarios/engine/step_actions.hpp"
#include "scenarios/engine/user_physics.hpp"
#include "scenarios/engine/wiring.hpp"
#include "scenarios/engine/workload.hpp"
#include "server/database.hpp"
#include "sim/kernel.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

namespace pilesim::scenarios {
namespace {

std::unique_ptr<server::database> open_database(const std::string& path) {
  auto db = server::database::open(path);
  if (!db) throw world_error("cannot open database '" + path + "': " + db.error().message());
  return std::make_unique<server::database>(std::move(*db));
}

// One run: owns the kernel and every part, and puts the concerns together in the order the run's
// determinism depends on — wiring draws the link models, the agenda the step times, the faults their windows.
class world {
 public:
  world(const scenario& s, const run_options& o)
      : seed_(o.seed.value_or(s.seed)), fleet_(made_fleet(s, seed_)), s_(fleet_ ? *fleet_ : s), k_(seed_), draws_(k_), db_(open_database(o.db_path)),
        simulated_(o.simulated) {
    if (o.trace_out) k_.trace().write_to(o.trace_out);
    k_.trace().checkpoint_every(o.checkpoint_every);
    parts_ = wire(k_, s_, seed_, draws_, *db_);
    tap(o.traffic);
    physics_.emplace(k_, s_, *parts_);
  }

  ~world() { k_.shutdown(); }

  run_outcome_report run() {
    agenda_.emplace(s_.steps, draws_);
    step_world sw{k_, draws_, *parts_, *physics_};
    player_.emplace(k_, *agenda_, [this, sw](std::size_t i) mutable { perform_step(s_.steps[i], sw); });
    player_->start();
    faults_.emplace(fault_context{k_, draws_, *parts_, *physics_, *db_});
    physics_->on_near([this](const std::string& user, const std::string& pile) { faults_->phone_near(user, pile); });
    faults_->schedule(s_.faults);
    if (s_.workload) {
      workload_.emplace(s_, seed_, sw, *db_);
      workload_->start();
    }
    parts_->server->start();
    for (auto& [id, p] : parts_->piles) p.actor->start();
    for (auto& [id, u] : parts_->users) u.agent->start();
    const sim::run_outcome out = k_.run({.until = s_.until_us});
    if (simulated_) simulated_();
    const std::vector<played_fault> played = faults_->finish();
    const sim::time_us last_step = std::max(agenda_->last_at_us(), workload_ ? workload_->last_step_us() : 0);
    return collect({s_, seed_, out, *db_, *parts_, played, physics_->presences(), last_step, k_.trace(),
                    workload_ ? workload_->gave_up() : 0});
  }

 private:
  void tap(const traffic_tap& t) {
    if (t.wan)
      for (auto& [id, u] : parts_->users)
        u.wan->on_send([f = t.wan, l = u.wan.get()](sim::time_us at, int side, std::span<const std::uint8_t> b) {
          f(l->name(), at, side, b);
        });
    if (t.ble)
      parts_->ble->on_transmission([f = t.ble](const sim::ble_link& l, const sim::ble_transmission& x) { f(l.name(), x); });
  }

  // The scenario with its generated piles and users, when it has a fleet.
  static std::optional<scenario> made_fleet(const scenario& s, std::uint64_t seed) {
    if (!s.fleet.piles && !s.fleet.users) return std::nullopt;
    return with_fleet(s, seed);
  }

  std::uint64_t seed_;
  std::optional<scenario> fleet_;
  const scenario& s_;
  sim::kernel k_;
  run_draws draws_;
  std::unique_ptr<server::database> db_;
  std::unique_ptr<world_parts> parts_;
  std::optional<user_physics> physics_;
  std::optional<agenda> agenda_;
  std::optional<agenda_player> player_;
  std::optional<fault_injector> faults_;
  std::optional<workload_driver> workload_;
  std::function<void()> simulated_;
};

}  // namespace

run_outcome_report run_scenario(const scenario& s, const run_options& o) {
  world w(s, o);
  return w.run();
}

}  // namespace pilesim::scenarios
