"""``curate flash``: copy a bundle onto the camera's USB drive, safely.

The drive is recognised by the ``.openmv_disk`` marker OpenMV writes at its
root (``--drive PATH``, or found among mounted drives); anything else is
refused unless ``force``. The copy:

1. plans: which bundle files differ from the drive's (by SHA-256); a dry run stops here;
2. checks free space, and warns when the model will not fit the 128 KB
   internal flash (no SD card);
3. backs up the drive's current files to the host (``<workspace>/flash-backups/``);
4. writes every file under a temporary name and fsyncs it;
5. renames the temporaries over the old files;
6. reads every file back and compares hashes.

Any failure in 4 removes the temporaries (the old bundle was never touched);
any failure in 5 or 6 restores the backup. Either way the previous bundle
is intact and the error is raised.
"""

import dataclasses
import os
import shutil
import time

from labels import kill_points
from openmv.bundle import BUNDLE_FILES, sha256
from train.camera_check import INTERNAL_FLASH_BYTES

MARKER = ".openmv_disk"
TMP_SUFFIX = ".curate-tmp"
INTERNAL_DRIVE_BYTES = 128 * 1024  # the camera's internal-flash USB drive; the model limit on it is
# train.camera_check.INTERNAL_FLASH_BYTES, the one figure both the camera report and this warning use
SPACE_MARGIN = 8 * 1024


@dataclasses.dataclass
class FlashPlan:
    drive: str
    changed: list  # file names that differ or are missing on the drive
    unchanged: list
    bytes_needed: int
    free_bytes: int
    warnings: list


def is_openmv_drive(path):
    return os.path.isfile(os.path.join(path, MARKER))


def find_drives(roots=None):
    """Mounted folders that carry the OpenMV marker."""
    candidates = []
    if roots is None:
        roots = []
        try:
            with open("/proc/mounts") as f:
                roots += [line.split()[1].replace("\\040", " ") for line in f]
        except OSError:
            pass
        for base in ("/media", "/run/media", "/Volumes", "/mnt"):
            if os.path.isdir(base):
                for entry in os.listdir(base):
                    path = os.path.join(base, entry)
                    roots.append(path)
                    if os.path.isdir(path):
                        roots += [os.path.join(path, sub) for sub in os.listdir(path)]
    for root in roots:
        if os.path.isdir(root) and is_openmv_drive(root) and root not in candidates:
            candidates.append(root)
    return candidates


def resolve_drive(drive=None, *, force=False):
    """The drive to flash: the given path (checked) or the one mounted OpenMV drive."""
    if drive:
        if not os.path.isdir(drive):
            raise FileNotFoundError(f"{drive}: drive not found; is the camera plugged in and mounted?")
        if not is_openmv_drive(drive) and not force:
            raise ValueError(f"{drive} does not look like an OpenMV drive (no {MARKER}); pass --force if it is")
        return os.path.abspath(drive)
    found = find_drives()
    if not found:
        raise FileNotFoundError("no OpenMV drive found (no mounted folder with .openmv_disk); pass --drive PATH")
    if len(found) > 1:
        raise ValueError(f"several OpenMV drives are mounted ({', '.join(found)}); pass --drive PATH")
    return found[0]


def plan_flash(bundle_dir, drive):
    missing = [n for n in BUNDLE_FILES if not os.path.isfile(os.path.join(bundle_dir, n))]
    if missing:
        raise FileNotFoundError(f"{bundle_dir}: not a bundle (missing {', '.join(missing)}); run `curate bundle`")
    changed, unchanged = [], []
    for name in BUNDLE_FILES:
        target = os.path.join(drive, name)
        same = os.path.isfile(target) and sha256(target) == sha256(os.path.join(bundle_dir, name))
        (unchanged if same else changed).append(name)
    new_bytes = sum(os.path.getsize(os.path.join(bundle_dir, n)) for n in changed)
    usage = shutil.disk_usage(drive)
    warnings = []
    model_bytes = os.path.getsize(os.path.join(bundle_dir, "trained.tflite"))
    if model_bytes > INTERNAL_FLASH_BYTES and usage.total <= 2 * INTERNAL_DRIVE_BYTES:
        warnings.append(
            f"the model is {model_bytes // 1024} KB and this drive is the camera's internal flash "
            f"({usage.total // 1024} KB): insert an SD card (the drive becomes the card) or put the model "
            f"in the ROM filesystem"
        )
    # the temporaries coexist with the old files until the rename: the new bytes must fit beside them
    return FlashPlan(drive, changed, unchanged, new_bytes + SPACE_MARGIN, usage.free, warnings)


def _copy_file(source, target):
    """Copy and fsync one file (tests replace this to inject failures)."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def flash_bundle(bundle_dir, drive, *, backup_root, dry_run=False):
    """Copy a bundle to a drive; return the FlashPlan (see the module docstring)."""
    if not dry_run:
        _remove_temporaries(drive)  # left by a flash that was killed: they hold space the plan must count free
    plan = plan_flash(bundle_dir, drive)
    if dry_run or not plan.changed:
        return plan
    if plan.bytes_needed > plan.free_bytes:
        raise ValueError(
            f"{drive} has {plan.free_bytes // 1024} KB free, the bundle needs {plan.bytes_needed // 1024} KB; "
            f"free space on the drive or use an SD card"
        )
    backup = os.path.join(backup_root, time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(backup, exist_ok=True)
    for name in plan.changed:
        if os.path.isfile(os.path.join(drive, name)):
            shutil.copy2(os.path.join(drive, name), os.path.join(backup, name))
    temps = []
    try:
        for name in plan.changed:
            temp = os.path.join(drive, name + TMP_SUFFIX)
            temps.append(temp)
            _copy_file(os.path.join(bundle_dir, name), temp)
            kill_points.reached("flash.copy")
        _fsync_dir(drive)
    except BaseException:
        for temp in temps:
            if os.path.exists(temp):
                os.remove(temp)
        raise
    renamed = []
    try:
        for name in plan.changed:
            os.replace(os.path.join(drive, name + TMP_SUFFIX), os.path.join(drive, name))
            renamed.append(name)
            kill_points.reached("flash.rename")
        _fsync_dir(drive)
        for name in plan.changed:
            if sha256(os.path.join(drive, name)) != sha256(os.path.join(bundle_dir, name)):
                raise OSError(f"{os.path.join(drive, name)}: read-back hash differs from the bundle")
    except BaseException:
        _restore(drive, backup, renamed, plan.changed)
        raise
    return plan


def _remove_temporaries(drive):
    for entry in os.listdir(drive):
        if entry.endswith(TMP_SUFFIX) and entry[:-len(TMP_SUFFIX)] in BUNDLE_FILES:
            os.remove(os.path.join(drive, entry))


def _restore(drive, backup, renamed, changed):
    for name in changed:
        temp = os.path.join(drive, name + TMP_SUFFIX)
        if os.path.exists(temp):
            os.remove(temp)
    for name in renamed:
        saved = os.path.join(backup, name)
        target = os.path.join(drive, name)
        if os.path.isfile(saved):
            shutil.copyfile(saved, target)
        elif os.path.exists(target):
            os.remove(target)  # the file was new: remove it again
    _fsync_dir(drive)
