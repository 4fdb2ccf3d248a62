using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// Reads the IL of every method of the types in the given namespaces (nested types — lambdas,
/// iterators, async state machines — count as their outer type's) and reports each use of an
/// ambient effect a sans-I/O core must not have: wall clocks, Stopwatch, Environment.TickCount,
/// Random.Shared or an unseeded Random, Guid.NewGuid, threads, Task.Run, the thread pool, timers,
/// TimeProvider.System. Namespaces match exactly (a driver in a sub-namespace such as
/// <c>Gregor.Cluster.Raft.Io</c> is not a core).
/// </summary>
public static class AmbientEffectScanner
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly HashSet<string> BannedTypes =
    [
        "System.Diagnostics.Stopwatch",
        "System.Threading.Thread",
        "System.Threading.ThreadPool",
        "System.Threading.Timer",
        "System.Timers.Timer",
        "System.Threading.Tasks.Parallel",
        "System.Threading.Tasks.TaskFactory",
    ];

    private static readonly HashSet<string> BannedMembers =
    [
        "System.DateTime::get_Now",
        "System.DateTime::get_UtcNow",
        "System.DateTime::get_Today",
        "System.DateTimeOffset::get_Now",
        "System.DateTimeOffset::get_UtcNow",
        "System.Environment::get_TickCount",
        "System.Environment::get_TickCount64",
        "System.Random::get_Shared",
        "System.Guid::NewGuid",
        "System.Guid::CreateVersion7",
        "System.Threading.Tasks.Task::Run",
        "System.Threading.Tasks.Task::get_Factory",
        "System.Threading.Tasks.Task::Delay",
        "System.TimeProvider::get_System",
    ];

    /// <summary>Every banned use in <paramref name="assemblyPath"/>'s types of <paramref name="namespaces"/>, as "Type.Method uses X".</summary>
    public static IReadOnlyList<string> Scan(string assemblyPath, IReadOnlyCollection<string> namespaces)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var findings = new List<string>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            if (!namespaces.Contains(OuterNamespace(md, type)))
            {
                continue;
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes() ?? [];
                foreach (var token in MemberTokens(il))
                {
                    var (typeName, memberName, parameterCount) = Describe(md, MetadataTokens.EntityHandle(token));
                    if (IsBanned(typeName, memberName, parameterCount))
                    {
                        findings.Add($"{md.GetString(type.Name)}.{md.GetString(method.Name)} uses {typeName}::{memberName}");
                    }
                }
            }
        }

        return findings;
    }

    private static bool IsBanned(string typeName, string memberName, int parameterCount) =>
        BannedTypes.Contains(typeName)
        || BannedMembers.Contains(typeName + "::" + memberName)
        || (typeName == "System.Random" && memberName == ".ctor" && parameterCount == 0);

    private static string OuterNamespace(MetadataReader md, TypeDefinition type)
    {
        while (type.IsNested)
        {
            type = md.GetTypeDefinition(type.GetDeclaringType());
        }

        return md.GetString(type.Namespace);
    }

    /// <summary>The metadata tokens operands of call/newobj/ldftn/ldsfld/… instructions refer to.</summary>
    private static IEnumerable<int> MemberTokens(byte[] il)
    {
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[i + 1]);
                i += 2;
            }
            else
            {
                i++;
            }

            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineTok:
                    yield return BitConverter.ToInt32(il, i);
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    var count = BitConverter.ToInt32(il, i);
                    i += 4 + 4 * count;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    i += 8;
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }

    private static (string Type, string Member, int Parameters) Describe(MetadataReader md, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MemberReference:
                var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                var parameters = -1;
                if (reference.GetKind() == MemberReferenceKind.Method)
                {
                    var blob = md.GetBlobReader(reference.Signature);
                    var header = blob.ReadSignatureHeader();
                    if (header.IsGeneric)
                    {
                        blob.ReadCompressedInteger();
                    }

                    parameters = blob.ReadCompressedInteger();
                }

                return (TypeName(md, reference.Parent), md.GetString(reference.Name), parameters);
            case HandleKind.MethodSpecification:
                return Describe(md, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            case HandleKind.TypeReference:
            case HandleKind.TypeSpecification:
                return (TypeName(md, handle), "", -1);
            default:
                return ("", "", -1); // definitions in this assembly
        }
    }

    private static string TypeName(MetadataReader md, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeReference:
                var reference = md.GetTypeReference((TypeReferenceHandle)handle);
                var name = md.GetString(reference.Name);
                return reference.ResolutionScope.Kind == HandleKind.TypeReference
                    ? TypeName(md, (EntityHandle)reference.ResolutionScope) + "+" + name
                    : md.GetString(reference.Namespace) + "." + name;
            case HandleKind.TypeDefinition:
                var definition = md.GetTypeDefinition((TypeDefinitionHandle)handle);
                return md.GetString(definition.Namespace) + "." + md.GetString(definition.Name);
            case HandleKind.TypeSpecification:
                // A generic instantiation: GENERICINST (CLASS|VALUETYPE) TypeDefOrRef <args>.
                var blob = md.GetBlobReader(md.GetTypeSpecification((TypeSpecificationHandle)handle).Signature);
                if (blob.ReadByte() == 0x15)
                {
                    blob.ReadByte();
                    return TypeName(md, blob.ReadTypeHandle());
                }

                return "";
            default:
                return "";
        }
    }
}
