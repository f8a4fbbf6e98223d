-- wrk script: POST one CycloneDX SBOM to /api/v1/sbom-analyses per request.
--
--   SBOM=examples/infusion-pump.cdx.json wrk -t2 -c64 -d20s -s submit.lua http://127.0.0.1:PORT
--
-- No Idempotency-Key is sent, so every request is a new submission (a new
-- job row and a new queue entry). `done` prints one machine-readable line.

local path = os.getenv("SBOM") or "examples/infusion-pump.cdx.json"
local file = assert(io.open(path, "rb"), "cannot open SBOM " .. path)
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.path = "/api/v1/sbom-analyses"
wrk.body = body
wrk.headers["Content-Type"] = "application/vnd.cyclonedx+json"

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "WRK requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d connect_err=%d read_err=%d write_err=%d timeout=%d\n",
        summary.requests, summary.duration,
        latency:percentile(50), latency:percentile(99),
        e.status, e.connect, e.read, e.write, e.timeout))
end
