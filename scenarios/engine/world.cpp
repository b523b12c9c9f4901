#include "scenarios/engine/world.hpp"

#include "scenarios/engine/agenda.hpp"
#include "scenarios/engine/collect.hpp"
#include "scenarios/engine/faults.hpp"
#include "scenarios/engine/run_draws.hpp"
#include "scenarios/engine/step_actions.hpp"
#include "scenarios/engine/user_physics.hpp"
#include "scenarios/engine/wiring.hpp"
#include "server/database.hpp"
#include "sim/kernel.hpp"

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
      : s_(s), seed_(o.seed.value_or(s.seed)), k_(seed_), draws_(k_), db_(open_database(o.db_path)),
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
    parts_->server->start();
    for (auto& [id, p] : parts_->piles) p.actor->start();
    for (auto& [id, u] : parts_->users) u.agent->start();
    const sim::run_outcome out = k_.run({.until = s_.until_us});
    if (simulated_) simulated_();
    const std::vector<played_fault> played = faults_->finish();
    return collect({s_, seed_, out, *db_, *parts_, played, physics_->presences(), agenda_->last_at_us(), k_.trace()});
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

  const scenario& s_;
  std::uint64_t seed_;
  sim::kernel k_;
  run_draws draws_;
  std::unique_ptr<server::database> db_;
  std::unique_ptr<world_parts> parts_;
  std::optional<user_physics> physics_;
  std::optional<agenda> agenda_;
  std::optional<agenda_player> player_;
  std::optional<fault_injector> faults_;
  std::function<void()> simulated_;
};

}  // namespace

run_outcome_report run_scenario(const scenario& s, const run_options& o) {
  world w(s, o);
  return w.run();
}

}  // namespace pilesim::scenarios
