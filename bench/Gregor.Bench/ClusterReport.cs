using System.Globalization;
using System.Text;

namespace Gregor.Bench;

/// <summary>Renders a <see cref="ClusterResult"/> as the "Cluster" section of the benchmark report (and of cluster.md). Stateless.</summary>
internal static class ClusterReport
{
    /// <summary>Issue #11's goal for controller failover with default timeouts.</summary>
    public const double FailoverGoalMs = 3_000;

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Nearest-rank percentile (p99 of 20 samples is the largest).</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static string Markdown(ClusterResult r)
    {
        var md = new StringBuilder();
        md.AppendLine("## Cluster (issue #11): three combined nodes on loopback").AppendLine();
        md.AppendLine("Three `gregor serve` processes (process.roles=broker,controller, static voters, `gregor storage format` each), Raft at Kafka's default timeouts (controller.quorum.election.timeout.ms=1000, fetch.timeout.ms=2000); "
            + string.Create(CultureInfo.InvariantCulture, $"broker.session.timeout.ms={r.SessionTimeoutMs}, broker.heartbeat.interval.ms={r.HeartbeatIntervalMs}. Probes are single Kafka requests to a chosen node, polled every 10 ms.")).AppendLine();
        if (r.Failovers.Count > 0)
        {
            var total = r.Failovers.Select(f => f.FailoverMs).ToList();
            var leader = r.Failovers.Select(f => f.LeaderMs).ToList();
            var admin = r.Failovers.Select(f => f.AdminMs).ToList();
            var p99 = Percentile(total, 99);
            md.AppendLine(CultureInfo.InvariantCulture, $"### Controller failover after kill -9 of the active controller ({r.Failovers.Count} runs, load average {r.LoadDuringFailover} at the start)").AppendLine();
            md.AppendLine("| from the SIGKILL until | p50 ms | p99 ms | max ms | goal |");
            md.AppendLine("|---|---:|---:|---:|---|");
            md.AppendLine(CultureInfo.InvariantCulture, $"| a survivor names a new leader (DescribeCluster) | {F(Percentile(leader, 50), "F0")} | {F(Percentile(leader, 99), "F0")} | {F(leader.Max(), "F0")} | |");
            md.AppendLine(CultureInfo.InvariantCulture, $"| CreateTopics through a survivor succeeds | {F(Percentile(admin, 50), "F0")} | {F(Percentile(admin, 99), "F0")} | {F(admin.Max(), "F0")} | |");
            md.AppendLine(CultureInfo.InvariantCulture, $"| **both (failover time)** | **{F(Percentile(total, 50), "F0")}** | **{F(p99, "F0")}** | {F(total.Max(), "F0")} | ≤ {F(FailoverGoalMs, "F0")} ms: {(p99 <= FailoverGoalMs ? "met" : "not met")} (p99) |");
            md.AppendLine();
            md.AppendLine("Each run (rejoin: from restarting the killed node until it lists 3 brokers and the run's topic; admin attempts: what each CreateTopics got, in order):").AppendLine();
            md.AppendLine("| run | killed → new leader | new leader ms | admin through | admin ms | admin attempts | rejoin ms |");
            md.AppendLine("|---:|---|---:|---:|---:|---|---:|");
            foreach (var f in r.Failovers)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {f.Round} | {f.KilledNode} → {f.NewLeader} | {F(f.LeaderMs, "F0")} | {f.AdminThrough} | {F(f.AdminMs, "F0")} | {f.AdminAttempts} | {F(f.RejoinMs, "F0")} |");
            }
            md.AppendLine();
        }
        if (r.Fencings.Count > 0)
        {
            var fenced = r.Fencings.Select(f => f.FencedMs).ToList();
            var back = r.Fencings.Select(f => f.BackMs).ToList();
            md.AppendLine(CultureInfo.InvariantCulture, $"### Broker fencing after SIGSTOP ({r.Fencings.Count} runs, session timeout {r.SessionTimeoutMs} ms, load average {r.LoadDuringFencing} at the start)").AppendLine();
            md.AppendLine("| | median ms | min ms | max ms | expected |");
            md.AppendLine("|---|---:|---:|---:|---|");
            md.AppendLine(CultureInfo.InvariantCulture, $"| SIGSTOP → Metadata through the active controller stops listing it | {F(Percentile(fenced, 50), "F0")} | {F(fenced.Min(), "F0")} | {F(fenced.Max(), "F0")} | session timeout − up to one heartbeat interval ({r.SessionTimeoutMs - r.HeartbeatIntervalMs}–{r.SessionTimeoutMs} ms) + the controller's expiry check |");
            md.AppendLine(CultureInfo.InvariantCulture, $"| SIGCONT → listed again (re-registered, unfenced) | {F(Percentile(back, 50), "F0")} | {F(back.Min(), "F0")} | {F(back.Max(), "F0")} | about one heartbeat |");
            md.AppendLine();
        }
        if (r.Throughput.Count > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"### Metadata throughput, 3-node quorum vs single node (load average {r.LoadDuringThroughput} at the start)").AppendLine();
            md.AppendLine("CreateTopics v7 over one connection, one request in flight (as an admin client awaiting each `createTopics` call); each topic 1 partition, replication factor 1; every answer waits for its records to commit (a majority's fsync in the quorum, the node's own in a single node). Batched: " + BatchSize() + " topics per request.").AppendLine();
            md.AppendLine("The single node runs beside the idle cluster and the measurements alternate between them (in the table's order), so load drift hits both. First / last tenth: the rate over the first and the last tenth of the requests (does creating slow down as topics accumulate?).").AppendLine();
            md.AppendLine("| through | topics per request | topics already there | topics | seconds | topics/s | ÷ single node | first / last tenth topics/s | load (1 min) | errors |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|");
            foreach (var t in r.Throughput)
            {
                var single = r.Throughput.FirstOrDefault(s => s.Target == "single node" && s.TopicsPerRequest == t.TopicsPerRequest);
                var ratio = single is { TopicsPerSecond: > 0 } && t != single ? "×" + F(t.TopicsPerSecond / single.TopicsPerSecond, "F2") : "";
                md.AppendLine(CultureInfo.InvariantCulture, $"| {t.Target} | {t.TopicsPerRequest} | {t.TopicsBefore} | {t.Topics} | {F(t.Seconds, "F2")} | {F(t.TopicsPerSecond, "F0")} | {ratio} | {F(t.FirstTenthPerSecond, "F0")} / {F(t.LastTenthPerSecond, "F0")} | {t.Load} | {t.Errors} |");
            }
            md.AppendLine();
        }
        foreach (var note in r.Notes)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }
        return md.ToString();
    }

    private static string BatchSize() => ClusterScenario.BatchSize.ToString(CultureInfo.InvariantCulture);
}
