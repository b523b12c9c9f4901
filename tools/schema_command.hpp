// `pilesim schema`: prints the JSON Schema (draft-07) of scenario format v1.1 that the build embedded from
// scenarios/schema/scenario.schema.json, for editors (yaml-language-server) and other tools. It only prints.
#pragma once

#include <ostream>

namespace pilesim::tools {

int schema_command(std::ostream& out);

}  // namespace pilesim::tools
