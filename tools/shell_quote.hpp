// Quoting for a POSIX shell, so that a printed command line can be pasted back as it stands. It quotes only
// what needs it (plain words stay readable) and never interprets the text: `$`, backquotes and globs stay literal.
#pragma once

#include <string>

namespace pilesim::tools {

// `text` as one shell word: unchanged when it holds only letters, digits and `_-./=:+%@,`; otherwise in single
// quotes, each `'` written as `'\''`. The empty string becomes `''`.
std::string shell_quote(const std::string& text);

}  // namespace pilesim::tools
