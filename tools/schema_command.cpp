#include "tools/schema_command.hpp"

#include "tools/exit_codes.hpp"
#include "tools/scenario_schema_json.hpp"

namespace pilesim::tools {

int schema_command(std::ostream& out) {
  out << scenario_schema_json;
  return exit_ok;
}

}  // namespace pilesim::tools
