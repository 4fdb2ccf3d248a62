using System.Diagnostics;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Playwright;

namespace Gregor.Console.Tests;

/// <summary>
/// The web console in a real browser (Debian's chromium via Playwright) against a real
/// <c>gregor serve</c>, fed by real Kafka clients (Confluent.Kafka, kcat): the live topology,
/// rates and lag, the message browser, topic creation and configuration from the page, a group's
/// view and offset reset, the broker view, and no browser-console errors anywhere. One broker and
/// one browser for the whole walk keep it to a few seconds of work. Screenshots of every main view
/// go to <c>$GREGOR_CONSOLE_SCREENSHOTS</c> (docs/console/ holds the committed ones), else to
/// console-screenshots/ beside the test assembly.
/// </summary>
public sealed partial class ConsoleInBrowserTests
{
    private const string Orders = "orders";
    private const string Payments = "payments";
    private const string CreatedFromUi = "created-from-ui";
    private const string Group = "billing";

    private static string ScreenshotDir =>
        Environment.GetEnvironmentVariable("GREGOR_CONSOLE_SCREENSHOTS") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "console-screenshots");

    [Fact]
    public async Task Console_ShowsLiveTopologyMessagesGroupsAndBroker_WithoutBrowserErrors()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var broker = await GregorProcess.StartAsync();
        var consoleUrl = ConsoleUrlLine().Match(broker.Output) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException($"no console URL printed:\n{broker.Output}");

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([
                new TopicSpecification { Name = Orders, NumPartitions = 3, ReplicationFactor = 1 },
                new TopicSpecification { Name = Payments, NumPartitions = 1, ReplicationFactor = 1 },
            ]);
        }
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, ClientId = "checkout-svc", LingerMs = 5 }).Build();
        await producer.ProduceAsync(new TopicPartition(Orders, 0), new Message<string, string>
        {
            Key = "order-1",
            Value = """{"id":1,"total":42.5}""",
            Headers = [new Confluent.Kafka.Header("trace-id", "abc-123"u8.ToArray())],
        }, cancel);

        // A consumer that reads the first record, commits, and then falls behind (it stays a member).
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = Group,
            ClientId = "billing-svc",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(Orders);
        var first = await Task.Run(() => ConsumeOne(consumer), cancel);
        consumer.Commit(first);

        await using var browser = await ConsoleBrowser.LaunchAsync();
        var page = browser.Page;
        await page.GotoAsync(consoleUrl);

        // Keyboard: the first Tab reaches the skip link, and the nav links are real links.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Shift+Tab"); // off the skip link again, which then hides

        // The topology shows what the test created: both topics, orders' three partitions, the group and its member.
        var svg = page.Locator("#topology-svg");
        await Assertions.Expect(svg.Locator($"a.topic[data-topic='{Orders}']")).ToBeVisibleAsync();
        await Assertions.Expect(svg.Locator($"a.topic[data-topic='{Payments}']")).ToBeVisibleAsync();
        await Assertions.Expect(svg.Locator($"a.topic[data-topic='{Orders}'] .chip")).ToHaveCountAsync(3);
        await Assertions.Expect(svg.Locator($"a.group[data-group='{Group}']")).ToContainTextAsync("billing-svc");
        await Assertions.Expect(svg.Locator("g.producer[data-client-id='checkout-svc']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live");
        await page.ScreenshotAsync(new() { Path = Screenshot("topology.png"), FullPage = true });

        // Producing makes the rate on the producer's arrow move and the lagging group's lag appear.
        using var load = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var loadTask = ProduceLoadAsync(producer, load.Token);
        var watch = Stopwatch.StartNew();
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll(\"#topology-svg [data-edge='produce'][data-from='checkout-svc'][data-to='orders']\")].some(e => Number(e.dataset.rate) > 0)",
            null, new() { Timeout = 15_000 });
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll(\"#topology-svg [data-edge='consume'][data-from='orders'][data-to='billing']\")].some(e => Number(e.dataset.lag) > 0)",
            null, new() { Timeout = 15_000 });
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"rates and lag took {watch.Elapsed}");
        // A little more load so the screenshot shows a lag worth the red arrow.
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll(\"#topology-svg [data-edge='consume'][data-to='billing']\")].some(e => Number(e.dataset.lag) >= 10)",
            null, new() { Timeout = 15_000 });
        await page.ScreenshotAsync(new() { Path = Screenshot("topology-live.png"), FullPage = true });
        await load.CancelAsync();
        await loadTask;

        // The message browser shows the first record's key, value (pretty JSON) and headers.
        await page.Locator($"#topology-svg a.topic[data-topic='{Orders}']").First.ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(Orders);
        await Assertions.Expect(page.Locator("#partitions-table tbody tr")).ToHaveCountAsync(3);
        await page.SelectOptionAsync("#browse-partition", "0");
        await page.SelectOptionAsync("#browse-mode", "offset");
        await page.FillAsync("#browse-position", "0");
        await page.FillAsync("#browse-limit", "5");
        await page.SelectOptionAsync("#browse-format", "json");
        await page.ClickAsync("#browse-load");
        var row = page.Locator("#records tr[data-offset='0']");
        await Assertions.Expect(row).ToContainTextAsync("order-1");
        await Assertions.Expect(row).ToContainTextAsync("\"total\": 42.5");
        await Assertions.Expect(row).ToContainTextAsync("trace-id: abc-123");

        // Produce a test message from the page, and override a config.
        await page.FillAsync("#produce-key", "from-console");
        await page.FillAsync("#produce-value", "hello from the console");
        await page.FillAsync("#produce-headers", "source=ui");
        await page.ClickAsync("#produce-send");
        await Assertions.Expect(page.Locator("form[aria-label='Produce a test message'] .msg.ok")).ToContainTextAsync("Produced to partition 0");
        await page.FillAsync("#config-name", "retention.ms");
        await page.FillAsync("#config-value", "3600000");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#configs-table tr[data-config='retention.ms']")).ToContainTextAsync("override");
        await page.ScreenshotAsync(new() { Path = Screenshot("topic-messages.png"), FullPage = true });

        // A topic created from the page is a real topic: kcat -L lists it.
        await page.ClickAsync("nav a[data-view='topics']");
        await page.FillAsync("#new-topic-name", CreatedFromUi);
        await page.FillAsync("#new-topic-partitions", "2");
        await page.ClickAsync("#create-topic");
        await Assertions.Expect(page.Locator(".msg.ok")).ToContainTextAsync($"Created topic {CreatedFromUi}");
        await Assertions.Expect(page.Locator($"#topics-table tr[data-topic='{CreatedFromUi}']")).ToBeVisibleAsync();
        await Eventually.TrueAsync(async () => (await KcatListAsync(broker)).Contains($"topic \"{CreatedFromUi}\" with 2 partitions", StringComparison.Ordinal), "kcat -L lists the topic created in the console");
        await page.ScreenshotAsync(new() { Path = Screenshot("topics.png"), FullPage = true });

        // The group's page: its member, committed offsets with lag, and the lag chart.
        await page.GotoAsync($"{consoleUrl}#/groups/{Group}");
        await Assertions.Expect(page.Locator("#members-table tbody")).ToContainTextAsync("billing-svc");
        await Assertions.Expect(page.Locator("#offsets-table tr[data-partition='orders/0']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#lag-chart polyline[data-series='orders/0']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#reset-offsets")).ToBeDisabledAsync();
        await page.ScreenshotAsync(new() { Path = Screenshot("group.png"), FullPage = true });

        // Once its consumer leaves, the group is inactive and its offsets can be reset to the end.
        consumer.Close();
        await Assertions.Expect(page.Locator("#reset-offsets")).ToBeEnabledAsync();
        await page.SelectOptionAsync("#reset-topic", Orders);
        await page.SelectOptionAsync("#reset-to", "latest");
        await page.ClickAsync("#reset-offsets");
        await Assertions.Expect(page.Locator(".msg.ok")).ToContainTextAsync("Reset 3 partition(s)");
        await Assertions.Expect(page.Locator("#offsets-table tr[data-partition='orders/0'] td").Nth(4)).ToHaveTextAsync("0");

        // The broker view: request rates per API and the log dir.
        await page.ClickAsync("nav a[data-view='broker']");
        await Assertions.Expect(page.Locator("#requests-table tr[data-api='Produce']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#broker-summary")).ToContainTextAsync(broker.DataDir);
        await page.ScreenshotAsync(new() { Path = Screenshot("broker.png"), FullPage = true });

        Assert.Empty(browser.Errors);
    }

    private static ConsumeResult<string, string> ConsumeOne(IConsumer<string, string> consumer)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                return result;
            }
        }
        throw new TimeoutException("the consumer got no record within 30 s");
    }

    /// <summary>About 50 records a second to orders/0 until cancelled: enough for a visible rate, bounded in time by the caller.</summary>
    private static async Task ProduceLoadAsync(IProducer<string, string> producer, CancellationToken cancellationToken)
    {
        var n = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested && n < 5_000)
            {
                await producer.ProduceAsync(new TopicPartition(Orders, 0), new Message<string, string> { Key = $"load-{n}", Value = $"{{\"n\":{n++}}}" }, cancellationToken);
                await Task.Delay(20, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The load stops when the test has seen what it waited for.
        }
    }

    private static async Task<string> KcatListAsync(GregorProcess broker)
    {
        using var kcat = Process.Start(new ProcessStartInfo("kcat", ["-L", "-b", broker.BootstrapServers, "-m", "10"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("cannot start kcat");
        var output = kcat.StandardOutput.ReadToEndAsync();
        var error = kcat.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await kcat.WaitForExitAsync(limit.Token);
        return await output + await error;
    }

    private static string Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotDir);
        return Path.Combine(ScreenshotDir, name);
    }

    [GeneratedRegex(@"gregor: console at (http://\S+)")]
    private static partial Regex ConsoleUrlLine();
}
