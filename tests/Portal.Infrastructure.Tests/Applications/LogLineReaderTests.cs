using System.Text;
using Portal.Infrastructure.Applications;

namespace Portal.Infrastructure.Tests.Applications;

/// <summary>
/// Reading a log within bounds, whatever the cluster sends: the portal's own limits, not the kubelet's.
/// </summary>
public sealed class LogLineReaderTests
{
    [Fact]
    public async Task A_line_without_end_is_read_no_further_than_the_byte_budget_and_kept_to_the_line_limit()
    {
        var endless = new EndlessLine();
        using var reader = new LogLineReader(endless, maxBytes: 1 << 20, maxLineLength: 1000);

        var line = await reader.ReadLineAsync(default);
        var next = await reader.ReadLineAsync(default);

        Assert.Equal(1000 + LogLineReader.CutLineMarker(1000).Length, line!.Length);
        Assert.Null(next);
        Assert.True(reader.Exhausted);
        Assert.Equal(1 << 20, reader.BytesRead);
        Assert.Equal(1 << 20, endless.Given);
    }

    [Fact]
    public async Task Lines_within_the_limits_come_back_as_written_without_their_line_breaks()
    {
        var text = "first\r\nsecond, with ü and 日本\n\nlast without a break";
        using var reader = new LogLineReader(
            new MemoryStream(Encoding.UTF8.GetBytes(text)),
            maxBytes: 1000,
            maxLineLength: 100
        );

        var lines = new List<string>();
        while (await reader.ReadLineAsync(default) is { } line)
            lines.Add(line);

        Assert.Equal(["first", "second, with ü and 日本", "", "last without a break"], lines);
        Assert.False(reader.Exhausted);
    }

    [Fact]
    public async Task A_long_line_is_cut_and_the_lines_after_it_are_read_whole()
    {
        var text = new string('a', 5000) + "\nafter\n";
        using var reader = new LogLineReader(
            new MemoryStream(Encoding.UTF8.GetBytes(text)),
            maxBytes: 1 << 20,
            maxLineLength: 100
        );

        var cut = await reader.ReadLineAsync(default);
        var after = await reader.ReadLineAsync(default);

        Assert.Equal(new string('a', 100) + LogLineReader.CutLineMarker(100), cut);
        Assert.Equal("after", after);
    }

    /// <summary>
    /// A stream that gives 'x' for ever, counting what it gave, like a container printing without a line break.
    /// </summary>
    private sealed class EndlessLine : Stream
    {
        public long Given { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'x');
            Given += count;
            return count;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
