// Natural ordering keys: CVAT's `natural` sorting_method, as a byte string per name.
//
// CVAT orders files with natsort.os_sorted(), which on Linux without PyICU is
// natsort_keygen(alg=ns.LOCALE | ns.PATH | ns.IGNORECASE) evaluated in the C collation (the
// server never calls setlocale for LC_COLLATE, so locale.strxfrm is the identity). A natural
// key is an encoding of natsort's key tuple such that comparing two keys byte-wise (memcmp,
// shorter prefix first) gives natsort's order. natural_key.cc describes the key tuple, the
// encoding and the few places where we knowingly differ from natsort.
#ifndef INGEST_ENGINE_NATURAL_KEY_H_
#define INGEST_ENGINE_NATURAL_KEY_H_

#include <string>
#include <string_view>

namespace ingest {

// How case-folded text is encoded in a key.
enum class NaturalKeyMode : unsigned char {
  // One folded code point per character. Exact unless a name contains one of the ~20
  // precomposed letters whose case folding natsort expands a second time (U+01F0 LATIN SMALL
  // LETTER J WITH CARON, some polytonic Greek, ...); AppendNaturalKey reports those.
  kCompact,
  // natsort's letter grouping as it is (each folded code point preceded by its casefold):
  // exact for every name, about twice as long for text.
  kExact,
};

// Appends the natural key of `name` ('/'-separated, raw bytes decoded as Python does with
// surrogateescape) to *out. Keys of one mode compare with memcmp order (a proper prefix first)
// exactly as natsort orders the names, except for the deviations listed in natural_key.cc.
// Names that natsort finds equal ("a01" and "a1", "A" and "a") get equal keys.
// Returns false when mode is kCompact and the name needs kExact to be ordered exactly; the
// key is appended either way.
bool AppendNaturalKey(std::string_view name, NaturalKeyMode mode, std::string* out);

// Compares two names in natural order: <0, 0 or >0. Names that natsort finds equal are
// ordered by code point (CompareCodePoints), so only identical names compare equal.
// Builds both keys; to sort many names, build each key once (see file_order.h).
int CompareNatural(std::string_view a, std::string_view b);

}  // namespace ingest

#endif  // INGEST_ENGINE_NATURAL_KEY_H_
