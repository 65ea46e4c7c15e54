using System.Runtime.InteropServices;

namespace ImageTasks.Planning;

/// <summary>
/// What the file digest index compares to decide that a file is unchanged, as git's index does: device, inode, size,
/// mtime and ctime. A rewrite that restores the old size and mtime (<c>cp -p</c>, <c>rsync -a</c>, <c>tar</c> and
/// <c>unzip</c> with stored times) still changes ctime, which no user can set, or the inode. On Linux these come from
/// statx(2); elsewhere only size, mtime and creation time are known (a weaker check, said in the README).
/// </summary>
/// <param name="CtimeTicks">Status change time in 100 ns ticks since the Unix epoch; elsewhere the creation time.</param>
public sealed record FileStamp(long Device, long Inode, long Size, long MtimeTicks, long CtimeTicks)
{
    /// <summary>The stamp of <paramref name="file"/> (a regular file, links already resolved).</summary>
    public static FileStamp Of(FileInfo file) =>
        OperatingSystem.IsLinux() && Statx.Read(file.FullName) is { } stamp ? stamp
        : new FileStamp(0, 0, file.Length, file.LastWriteTimeUtc.Ticks - DateTime.UnixEpoch.Ticks, file.CreationTimeUtc.Ticks - DateTime.UnixEpoch.Ticks);

    /// <summary>
    /// A stamp taken less than the timestamp granularity after the file last changed cannot tell a later change in the
    /// same tick ("racy", in git's words): such a digest is used once and not trusted later. File systems that store
    /// whole seconds (or FAT's two) get two seconds; the others the kernel's coarse clock, a few milliseconds, with margin.
    /// </summary>
    public bool IsRacy(DateTime statTakenUtc)
    {
        var changed = Math.Max(MtimeTicks, CtimeTicks);
        var granularity = MtimeTicks % TimeSpan.TicksPerSecond == 0 && CtimeTicks % TimeSpan.TicksPerSecond == 0
            ? 2 * TimeSpan.TicksPerSecond
            : 100 * TimeSpan.TicksPerMillisecond;
        return statTakenUtc.Ticks - DateTime.UnixEpoch.Ticks - changed < granularity;
    }

    /// <summary>statx(2) through glibc (2.28 and later); its structure has the same layout on every architecture.</summary>
    static class Statx
    {
        const int AtFdCwd = -100;
        const uint MaskBasicStats = 0x7ff;
        static bool _unavailable;

        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        static extern int Call(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

        public static FileStamp? Read(string path)
        {
            if (_unavailable) return null;
            var buffer = new byte[256];
            try
            {
                if (Call(AtFdCwd, path, 0, MaskBasicStats, buffer) != 0)
                    throw new IOException($"statx of {path} failed with errno {Marshal.GetLastPInvokeError()}.");
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                _unavailable = true; // a C library without statx (musl before 1.2.5, old glibc): the portable stamp
                return null;
            }
            // offsets of struct statx: stx_ino 32, stx_size 40, stx_ctime 96, stx_mtime 112, stx_dev_major 136, stx_dev_minor 140
            long U64(int offset) => (long)BitConverter.ToUInt64(buffer, offset);
            long Time(int offset) => BitConverter.ToInt64(buffer, offset) * TimeSpan.TicksPerSecond + BitConverter.ToUInt32(buffer, offset + 8) / 100;
            var device = ((long)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
            return new FileStamp(device, Inode: U64(32), Size: U64(40), MtimeTicks: Time(112), CtimeTicks: Time(96));
        }
    }
}
