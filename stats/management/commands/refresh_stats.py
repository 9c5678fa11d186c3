from __future__ import annotations

from django.core.management.base import BaseCommand

from stats.services import release_publish


class Command(BaseCommand):
    help = (
        "Publish the next statistics release now if one is due (the periodic task does it "
        "nightly): due once a month has passed the publication delay."
    )

    def handle(self, *args, **options) -> None:
        release = release_publish()
        if release is None:
            self.stdout.write("No release due: the latest one is up to date.")
        else:
            self.stdout.write(
                f"Release {release.number} published (cut-off {release.cut_off:%Y-%m})."
            )
