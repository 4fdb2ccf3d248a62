using System.Diagnostics;
using System.Globalization;
using Gregor.Cluster.Controller.Core;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// Each deliberately broken controller variant (<see cref="ControllerFaults"/>) must be caught by
/// the controller simulation within 500 seeds: an invariant that cannot catch it proves nothing.
/// </summary>
public sealed class ControllerCanaryTests
{
    [Fact]
    public void AdmittingAFencedReplicaToTheIsr_IsCaughtWithin500Seeds()
    {
        var faults = new ControllerFaults { AdmitIneligibleReplicas = true };
        var stopwatch = Stopwatch.StartNew();
        for (var seed = 1L; seed <= 500; seed++)
        {
            if (new ControllerSimulation(seed, null, faults).Run() is { } violation)
            {
                TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"AdmitIneligibleReplicas: seed={seed} after {stopwatch.Elapsed.TotalSeconds:F1} s: {violation}"));
                Assert.Contains("admitted to the ISR", violation, StringComparison.Ordinal);
                return;
            }
        }
        Assert.Fail("the controller simulation did not catch a controller admitting ineligible replicas in 500 seeds");
    }
}
