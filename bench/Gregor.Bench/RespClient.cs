using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gregor.Bench;

/// <summary>
/// A minimal RESP2 client on one TCP connection, for the Redis peer's read loops. Commands are
/// buffered by <see cref="Write"/> and sent by <see cref="FlushAsync"/>, so several can be
/// pipelined in one write; replies are then read in order with <see cref="ReadReplyAsync"/>.
/// Replies become <c>object?[]</c> (arrays), <c>byte[]</c> (bulk strings), <c>long</c> (integers),
/// <c>string</c> (simple strings) or null (nil); an error reply throws InvalidOperationException.
/// Bounded: one reply may cost at most <see cref="MaxReplyBytes"/> (bulk bytes plus 8 bytes per
/// array slot, checked before allocating), a header line at most <see cref="MaxLineBytes"/>, and
/// arrays nest at most 16 deep; beyond that it throws InvalidDataException instead of reading on. Lifecycle: ConnectAsync →
/// Write/Flush/Read → Dispose. Not thread-safe; one owner.
/// </summary>
internal sealed class RespClient : IDisposable
{
    /// <summary>Cap on one reply's memory (64 MiB; a 1000-entry XREAD of 1 KiB values is ~1.1 MiB).</summary>
    public const long MaxReplyBytes = 64L * 1024 * 1024;

    /// <summary>Cap on one type/length header line; real ones are under 32 bytes.</summary>
    public const int MaxLineBytes = 4096;

    private const int SlotCost = 8;
    private const int MaxDepth = 16;
    private readonly TcpClient _client;
    private readonly BufferedStream _stream;
    private readonly byte[] _line = new byte[MaxLineBytes];
    private long _budget;

    private RespClient(TcpClient client)
    {
        _client = client;
        _stream = new BufferedStream(client.GetStream(), 1 << 16);
    }

    public static async Task<RespClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return new RespClient(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Buffers one command (a RESP array of bulk strings); nothing is sent until <see cref="FlushAsync"/>.</summary>
    public void Write(params IReadOnlyList<string> args)
    {
        var request = new StringBuilder().Append('*').Append(args.Count).Append("\r\n");
        foreach (var arg in args)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }
        _stream.Write(Encoding.UTF8.GetBytes(request.ToString()));
    }

    public Task FlushAsync() => _stream.FlushAsync();

    /// <summary>Reads the next reply (blocking read on a pool thread), within the <see cref="MaxReplyBytes"/> cap.</summary>
    public Task<object?> ReadReplyAsync() => Task.Run(() =>
    {
        _budget = MaxReplyBytes;
        return ReadReply(0);
    });

    /// <summary>Sends one command and reads its reply.</summary>
    public async Task<object?> CommandAsync(params IReadOnlyList<string> args)
    {
        Write(args);
        await FlushAsync();
        return await ReadReplyAsync();
    }

    private object? ReadReply(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidDataException($"redis: reply nested deeper than {MaxDepth} arrays");
        }
        var line = ReadLine();
        var payload = Encoding.ASCII.GetString(line[1..]);
        switch ((char)line[0])
        {
            case '+':
                return payload;
            case '-':
                throw new InvalidOperationException("redis: " + payload);
            case ':':
                return long.Parse(payload, CultureInfo.InvariantCulture);
            case '$':
                var length = long.Parse(payload, CultureInfo.InvariantCulture);
                if (length == -1)
                {
                    return null;
                }
                Charge(length, "bulk string");
                var data = new byte[length];
                _stream.ReadExactly(data);
                Span<byte> crlf = stackalloc byte[2];
                _stream.ReadExactly(crlf);
                return data;
            case '*':
                var count = long.Parse(payload, CultureInfo.InvariantCulture);
                if (count == -1)
                {
                    return null;
                }
                Charge(count * SlotCost, "array");
                var items = new object?[count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = ReadReply(depth + 1);
                }
                return items;
            default:
                throw new InvalidDataException($"redis: unexpected reply type '{(char)line[0]}'");
        }
    }

    private void Charge(long bytes, string what)
    {
        if (bytes < 0 || bytes > _budget)
        {
            throw new InvalidDataException($"redis: {what} of {bytes} bytes would take the reply past the {MaxReplyBytes >> 20} MiB cap");
        }
        _budget -= bytes;
    }

    // One header line without its CRLF; never longer than MaxLineBytes.
    private ReadOnlySpan<byte> ReadLine()
    {
        var length = 0;
        while (true)
        {
            var b = _stream.ReadByte();
            if (b < 0)
            {
                throw new EndOfStreamException("redis closed the connection");
            }
            if (b == '\r')
            {
                if (_stream.ReadByte() != '\n' || length == 0)
                {
                    throw new InvalidDataException("redis: malformed reply line");
                }
                return _line.AsSpan(0, length);
            }
            if (length == _line.Length)
            {
                throw new InvalidDataException($"redis: reply line longer than {MaxLineBytes} bytes");
            }
            _line[length++] = (byte)b;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
