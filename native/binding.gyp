{
  "targets": [
    {
      "target_name": "ecdsa_verify",
      "sources": ["ecdsa_verify.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-deprecated-declarations"]
    },
    {
      "target_name": "fs_sync",
      "sources": ["fs_sync.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
