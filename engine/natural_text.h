// The Unicode text facts behind natural keys (natural_key.cc): what natsort does to the text
// of one path element before it compares, and which code points it reads as digits.
// Internal to the engine; the tables come from tools/gen_natural_tables.py.
#ifndef INGEST_ENGINE_NATURAL_TEXT_H_
#define INGEST_ENGINE_NATURAL_TEXT_H_

#include <string>
#include <string_view>

namespace ingest {

// The value of a Unicode decimal digit (what Python's re `\d` matches), or -1.
int DecimalValue(char32_t c);

// The value of a digit that is not a decimal (superscripts, circled digits, ...), or -1.
int DigitCharValue(char32_t c);

// natsort's transform of one element's text in the C locale, over the whole element:
// unicodedata.normalize("NFD"), str.swapcase(), str.casefold(), unicodedata.normalize("NFC").
// Replaces *out with the result. Lone surrogates (escaped bytes) pass through unchanged.
void FoldElementText(std::u32string_view in, std::u32string* out);

// casefold(c) when it is not c itself and c can be left in a folded element (natsort's
// groupletters then writes it in front of c): up to three code points, zero-padded. Returns
// nullptr otherwise.
const char32_t* GroupletterFold(char32_t c);

}  // namespace ingest

#endif  // INGEST_ENGINE_NATURAL_TEXT_H_
