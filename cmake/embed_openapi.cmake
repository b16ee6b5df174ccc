# Turn docs/openapi.json into a C source (the document cofferd serves at
# /v1/openapi.json). Run at build time: cmake -DIN=... -DOUT=... -P embed_openapi.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
# 64 bytes (256 characters of escapes) per line.
string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){64})" "\\1\"\n\t\"" escaped "${escaped}")
file(WRITE "${OUT}.tmp"
  "/* Generated from docs/openapi.json by cmake/embed_openapi.cmake. Do not edit. */\n"
  "#include \"daemon/openapi.h\"\n\n"
  "const char openapi_json[] =\n\t\"${escaped}\";\n"
  "const size_t openapi_json_len = ${len};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
