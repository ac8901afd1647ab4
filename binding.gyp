{
  "targets": [
    {
      "target_name": "berth_native",
      "sources": ["native/module.c", "native/sendfile.c", "native/sha256.c", "native/memory.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
