{
  "targets": [
    {
      "target_name": "ecdsa_verify",
      "sources": ["ecdsa_verify.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-deprecated-declarations"]
    }
  ]
}
