using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;
using Gregor.Tests.Support;

namespace Gregor.Tests;

/// <summary>The real <c>gregor serve</c> process: readiness, Kafka answers, signals, exit codes.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_OnPortZero_PrintsReadyLineWithBoundPortAndAnswersApiVersions()
    {
        await using var broker = await GregorProcess.StartAsync();

        Assert.Matches(@"^gregor: listening on 127\.0\.0\.1:\d+ \(node 1, data dir .+\)$", broker.ReadyLine);
        Assert.Contains(broker.DataDir, broker.ReadyLine, StringComparison.Ordinal);
        Assert.NotEqual(0, broker.Port);
        var versions = await ApiVersionsAsync(broker.Port);
        Assert.Equal(0, versions.ErrorCode);
        Assert.Contains(versions.ApiKeys, k => k.ApiKey == (short)ApiKey.ApiVersions);
    }

    [Fact]
    public async Task Health_OnTheHostHttpListener_ReportsRunning()
    {
        await using var broker = await GregorProcess.StartAsync();
        // The console logger writes asynchronously: its line may follow the ready line.
        var port = 0;
        var waited = Stopwatch.StartNew();
        while ((port = HttpPort(broker.Output)) == 0 && waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.True(port > 0, broker.Output);

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/v1/health"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"state":"running","step":null}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.NotEqual(broker.Port, port);
    }

    [Fact]
    public async Task Kcat_ListsMetadata_WhenTheMetadataHandlerExists()
    {
        await using var broker = await GregorProcess.StartAsync();
        var versions = await ApiVersionsAsync(broker.Port);
        if (!versions.ApiKeys.Any(k => k.ApiKey == (short)ApiKey.Metadata))
        {
            Assert.Skip("no Metadata handler registered yet");
        }
        if (!File.Exists("/usr/bin/kcat"))
        {
            Assert.Skip("kcat is not installed");
        }

        var (exitCode, output) = await RunAsync("/usr/bin/kcat", "-L", "-b", broker.BootstrapServers, "-m", "10");

        Assert.True(exitCode == 0, output);
        Assert.Contains("1 brokers:", output, StringComparison.Ordinal);
        Assert.Contains($"broker 1 at 127.0.0.1:{broker.Port}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_StopsCleanlyWithExitCodeZero_AndReleasesTheDataDir()
    {
        await using var broker = await GregorProcess.StartAsync();

        var exitCode = await broker.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains("gregor: stopped", broker.Output, StringComparison.Ordinal);
        // The same data dir and port are usable again at once.
        await broker.RestartAsync(kill: false);
        Assert.Equal(0, (await ApiVersionsAsync(broker.Port)).ErrorCode);
    }

    [Fact]
    public async Task Sigterm_WithOpenConnectionsAndHalfSentRequest_StillExitsZero()
    {
        await using var broker = await GregorProcess.StartAsync(overrides: ["gregor.log.level=debug"]);
        using var idle = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var halfSent = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await idle.ConnectAsync(new IPEndPoint(IPAddress.Loopback, broker.Port), TestContext.Current.CancellationToken);
        await halfSent.ConnectAsync(new IPEndPoint(IPAddress.Loopback, broker.Port), TestContext.Current.CancellationToken);
        await halfSent.SendAsync(new byte[] { 0, 0, 1, 0, 0, 18 }, TestContext.Current.CancellationToken);
        await Eventually(() => broker.Output.Contains("opened on listener", StringComparison.Ordinal));

        var exitCode = await broker.StopAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, exitCode);
        Assert.Contains("broker shutting down", broker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondBrokerOnSameDataDir_ExitsNonZeroNamingTheLock()
    {
        await using var first = await GregorProcess.StartAsync();

        var (exitCode, output) = await GregorProcess.RunToExitAsync(["serve", "--listen", "127.0.0.1:0", "--data-dir", first.DataDir]);

        Assert.Equal(3, exitCode);
        Assert.Contains("is locked by another gregor process", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortAlreadyInUse_ExitsTwoWithAClearMessage()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var dataDir = TempPath();

        var (exitCode, output) = await GregorProcess.RunToExitAsync(["serve", "--listen", $"127.0.0.1:{port}", "--data-dir", dataDir]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"port {port} is already in use; choose another with --listen", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task DataDirThatIsAFile_ExitsNonZeroWithAClearMessage()
    {
        var file = TempPath();
        await File.WriteAllTextAsync(file, "not a directory", TestContext.Current.CancellationToken);
        try
        {
            var (exitCode, output) = await GregorProcess.RunToExitAsync(["serve", "--listen", "127.0.0.1:0", "--data-dir", file]);

            Assert.NotEqual(0, exitCode);
            Assert.Contains($"data dir {file} is a file, not a directory", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("--override", "num.partitions=zero", "Invalid value zero for configuration num.partitions")]
    [InlineData("--override", "novalue", "--override expects KEY=VALUE")]
    [InlineData("--listen", "localhost", "Invalid value localhost for configuration listeners")]
    [InlineData("--frobnicate", "1", "unknown option --frobnicate")]
    public async Task BadArguments_ExitOneWithTheReason(string option, string value, string message)
    {
        var (exitCode, output) = await GregorProcess.RunToExitAsync(["serve", option, value, "--data-dir", TempPath()]);

        Assert.Equal(1, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigFile_IsAppliedAndOverridesWin()
    {
        var file = TempPath();
        await File.WriteAllTextAsync(file, "# test\nnode.id=5\nnum.partitions=3\n", TestContext.Current.CancellationToken);
        try
        {
            await using var broker = await GregorProcess.StartAsync(
                overrides: ["node.id=6"],
                extraArguments: ["--config", file]);

            Assert.Contains("(node 6,", broker.ReadyLine, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Help_PrintsUsageAndExitsZero()
    {
        var (exitCode, output) = await GregorProcess.RunToExitAsync(["serve", "--help"]);

        Assert.Equal(0, exitCode);
        Assert.Contains("--advertised-listener HOST:PORT", output, StringComparison.Ordinal);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), "condition not met within 15 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static string TempPath() => Path.Combine(Path.GetTempPath(), "gregor-cli-" + Guid.NewGuid().ToString("N")[..12]);

    private static async Task<ApiVersionsResponse> ApiVersionsAsync(int port)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), TestContext.Current.CancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using (var writer = new ProtocolWriter())
        {
            var header = new RequestHeader { ApiKey = ApiKey.ApiVersions, ApiVersion = 3, CorrelationId = 1, ClientId = "cli-test" };
            MessageFraming.WriteRequest(writer, header, new ApiVersionsRequest { ClientSoftwareName = "cli-test", ClientSoftwareVersion = "1" });
            await stream.WriteAsync(writer.WrittenMemory, TestContext.Current.CancellationToken);
        }
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix, TestContext.Current.CancellationToken);
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await stream.ReadExactlyAsync(payload, TestContext.Current.CancellationToken);
        var reader = new ProtocolReader(payload);
        Assert.Equal(1, ResponseHeader.Read(ref reader, 0).CorrelationId);
        return (ApiVersionsResponse)MessageFraming.ReadResponseBody(ref reader, ApiKey.ApiVersions, 3);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int HttpPort(string output)
    {
        var match = System.Text.RegularExpressions.Regex.Match(output, @"http listening on 127\.0\.0\.1:(\d+)");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
