// JSON out of any bytes (issue 12): `--inspect --json` and `--log-format json` print names
// that come from the kernel (comm) and the image's files, which need not be UTF-8.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hardinit/inspect.h"
#include "hardinit/log.h"

namespace hardinit {
namespace {

TEST(JsonEscape, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(JsonEscape("a\xff" "b"), "a\\ufffdb");
  EXPECT_EQ(JsonEscape("\xc3"), "\\ufffd") << "a sequence cut short";
  EXPECT_EQ(JsonEscape("\xc0\xaf"), "\\ufffd\\ufffd") << "an overlong '/'";
  EXPECT_EQ(JsonEscape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd") << "a surrogate";
  EXPECT_EQ(JsonEscape("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd") << "past U+10FFFF";
  // Negative control: well-formed UTF-8 passes through untouched.
  EXPECT_EQ(JsonEscape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
  EXPECT_EQ(JsonEscape("\"\\\n\x01"), "\\\"\\\\\\n\\u0001");
  // Whatever the bytes, the result parses.
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  EXPECT_TRUE(nlohmann::json::accept("\"" + JsonEscape(every_byte) + "\""));
}

TEST(InspectJson, ANameThatIsNotUtf8NeverThrows) {
  SecurityState state;
  state.pid = 7;
  state.name = "bad\xff\xfe";
  std::string text;
  ASSERT_NO_THROW(text = FormatSecurityState(state, LogFormat::kJson, IdentityFiles{}));
  nlohmann::json parsed;
  ASSERT_NO_THROW(parsed = nlohmann::json::parse(text)) << text;
  EXPECT_EQ(parsed["name"], "bad\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(parsed["pid"], 7);
}

}  // namespace
}  // namespace hardinit
