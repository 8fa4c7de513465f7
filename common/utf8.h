// UTF-8 well-formedness, checked where text from outside enters a protobuf
// string field.
#ifndef SLAMON_COMMON_UTF8_H_
#define SLAMON_COMMON_UTF8_H_

#include "absl/strings/string_view.h"

namespace slamon {

// Whether `s` is well-formed UTF-8 as RFC 3629 defines it: no overlong
// forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF. Protobuf
// refuses to parse a string field that is not.
bool IsValidUtf8(absl::string_view s);

}  // namespace slamon

#endif  // SLAMON_COMMON_UTF8_H_
