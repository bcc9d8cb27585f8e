-- Durable appends: every request proposes a new project (a new stream, so concurrent requests
-- never conflict on a version), validated and committed by the server before it answers 201.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local next_thread = 1
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

local counter = 0
function request()
  counter = counter + 1
  local id = string.format("B-%s-%d-%d", os.getenv("RUN"), tid, counter)
  local body = '{"stream":"project:' .. id .. '","type":"ProjectProposed","payload":{"projectId":"' .. id ..
    '","title":"Benchmark project","developmentPartner":"XM-DAC-41114","implementingAgency":"LA-MPWT",' ..
    '"plannedStartDate":"2024-01-01","plannedEndDate":"2027-12-31",' ..
    '"estimatedCost":{"amount":"1250000.00","currency":"USD"},"sectorWorkingGroup":"infrastructure"}}'
  return wrk.format(nil, nil, nil, body)
end
