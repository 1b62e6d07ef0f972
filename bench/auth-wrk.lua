-- wrk script: one authenticated GET per request with the key from the environment.
local key = os.getenv("WARDEN_BENCH_KEY")
local path = os.getenv("WARDEN_BENCH_PATH")
wrk.method = "GET"
wrk.path = path
wrk.headers["Authorization"] = "Bearer " .. key
