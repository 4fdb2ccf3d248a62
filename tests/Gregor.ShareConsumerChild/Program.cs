using System.Globalization;
using Gregor.Compatibility.Tests.Share;

// Usage: Gregor.ShareConsumerChild <bootstrap> <group> <topic>
// Polls (explicit mode) until it holds at least one record, prints "acquired <offset> <delivery count>"
// for each and "holding", then keeps the locks until stdin says "accept": it then acknowledges them
// all with ACCEPT, commits synchronously and prints "commit <error> <partition error>…".
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Gregor.ShareConsumerChild <bootstrap> <group> <topic>");
    return 2;
}
using var consumer = ShareConsumer.Create(args[0], args[1], explicitAcknowledgement: true, clientId: "share-child");
consumer.Subscribe(args[2]);
List<ShareRecord> held = [];
var deadline = DateTime.UtcNow.AddSeconds(60);
while (held.Count == 0 && DateTime.UtcNow < deadline)
{
    held = [.. consumer.Poll(500).Records.Where(r => r.Err == 0)];
}
foreach (var record in held)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acquired {record.Offset} {record.DeliveryCount}"));
}
Console.WriteLine("holding");
Console.Out.Flush();
if (Console.ReadLine() != "accept")
{
    return 0;
}
for (var i = 0; i < held.Count; i++)
{
    consumer.Acknowledge(i, ShareConsumer.Accept);
}
var (error, partitions) = consumer.CommitSync(10_000);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"commit {error} {string.Join(' ', partitions.Select(p => p.Err))}"));
Console.Out.Flush();
consumer.Close();
return 0;
