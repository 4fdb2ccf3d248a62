namespace Gregor.Bench;

/// <summary>What one <c>/metrics</c> scrape cost the broker (<see cref="MetricsScraper.MeasureCostAsync"/>): CPU and allocation per scrape, the text's size and the wall time per scrape.</summary>
internal sealed record ScrapeCost(int Scrapes, double CpuMsPerScrape, double AllocatedBytesPerScrape, long TextBytes, double WallMsPerScrape)
{
    public override string ToString() =>
        $"{CpuMsPerScrape:F2} ms broker CPU, {AllocatedBytesPerScrape / 1024:F0} KiB allocated and {TextBytes / 1024} KiB of text per scrape ({WallMsPerScrape:F2} ms each, {Scrapes} scrapes back to back)";
}
