// probe_images_tool FILE...: prints, for each file, "FORMAT WIDTH HEIGHT ORIENTATION" or
// "error CODE: MESSAGE", one line per file. Test-only: tools/pillow_size_diff.py drives it to
// compare our header probes with Pillow's Image.open(f).size.
#include <cstdio>
#include <string>

#include "engine/image_probe.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    ingest::Result<ingest::ImageInfo> r = ingest::ProbeImageFile(argv[i]);
    if (r) {
      std::printf("%s %u %u %u\n", std::string(ingest::ImageFormatName(r->format)).c_str(),
                  r->width, r->height, static_cast<unsigned>(r->orientation));
    } else {
      std::printf("error %s\n", r.error().ToString().c_str());
    }
  }
  return 0;
}
