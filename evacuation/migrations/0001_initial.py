"""Evacuation plans, visa applications, dossiers, lawyer reviews and exports."""

import casework.fields
import casework.models
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('casework', '0004_country_advisory'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Dossier',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('changes_requested', 'Changes requested'), ('approved', 'Approved'), ('submitted', 'Submitted'), ('decided', 'Decided')], default='draft', max_length=24, verbose_name='status')),
                ('vetted_at', models.DateTimeField(blank=True, null=True, verbose_name='vetted at')),
                ('created_month', models.DateField(default=casework.models.this_month)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('vetting_note', casework.fields.SealedField(codec='text', null=True, section='legal')),
                ('testimony_excerpt', casework.fields.SealedField(codec='text', null=True, section='testimony')),
                ('exposure_summary', casework.fields.SealedField(codec='text', null=True, section='legal')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dossiers', to='casework.case')),
                ('reviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='dossiers_to_review', to=settings.AUTH_USER_MODEL, verbose_name='reviewing lawyer')),
                ('testimony', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='casework.testimony')),
                ('vetted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='vetted by')),
            ],
            options={
                'ordering': ['-updated_at'],
            },
        ),
        migrations.CreateModel(
            name='DossierDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('document', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='casework.document')),
            ],
            options={
                'ordering': ['position', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DossierExport',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('code', models.CharField(editable=False, max_length=16, unique=True)),
                ('exported_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('encrypted', models.BooleanField(default=False)),
                ('sha256', models.CharField(max_length=64)),
                ('recipient', casework.fields.SealedField(codec='text', null=True, section='documents')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='casework.case')),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exports', to='evacuation.dossier')),
                ('exported_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-exported_at'],
            },
        ),
        migrations.CreateModel(
            name='DossierItem',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('required', models.BooleanField(default=True)),
                ('position', models.PositiveSmallIntegerField(default=100)),
                ('document_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.documenttype', verbose_name='document type')),
                ('documents', models.ManyToManyField(blank=True, related_name='dossier_items', through='evacuation.DossierDocument', to='casework.document')),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='evacuation.dossier')),
            ],
            options={
                'ordering': ['position', 'id'],
            },
        ),
        migrations.AddField(
            model_name='dossierdocument',
            name='item',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links', to='evacuation.dossieritem'),
        ),
        migrations.CreateModel(
            name='DossierRequirement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('route', models.CharField(choices=[('fr_humanitarian', 'French humanitarian visa'), ('schengen_ltv', 'Schengen visa with limited territorial validity'), ('de_22', 'German admission under §22 AufenthG'), ('de_national_d', 'German national D visa'), ('asylum_border', 'Asylum at the border'), ('asylum_after_entry', 'Asylum after entry'), ('transit_protection', 'Protection in the transit country'), ('ukrainian_protection', 'Protection for Ukrainians')], max_length=24, verbose_name='route')),
                ('required', models.BooleanField(default=True, verbose_name='required')),
                ('position', models.PositiveSmallIntegerField(default=100)),
                ('document_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.documenttype', verbose_name='document type')),
            ],
            options={
                'verbose_name': 'dossier requirement',
                'verbose_name_plural': 'dossier requirements',
                'ordering': ['route', 'position', 'id'],
            },
        ),
        migrations.CreateModel(
            name='EvacuationPlan',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('status', models.CharField(choices=[('draft', 'Being planned'), ('active', 'Under way'), ('completed', 'Completed'), ('abandoned', 'Abandoned')], default='draft', max_length=16, verbose_name='status')),
                ('created_month', models.DateField(default=casework.models.this_month)),
                ('origin_region', casework.fields.SealedField(codec='text', null=True, section='location')),
                ('transit_countries', casework.fields.SealedField(codec='list', null=True, section='location')),
                ('destination', casework.fields.SealedField(codec='text', null=True, section='location')),
                ('fallback_notes', casework.fields.SealedField(codec='text', null=True, section='location')),
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='evacuation_plan', to='casework.case')),
            ],
        ),
        migrations.CreateModel(
            name='EvacuationStep',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('status', models.CharField(choices=[('planned', 'Planned'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='planned', max_length=16, verbose_name='status')),
                ('kind', casework.fields.SealedField(codec='text', null=True, section='location')),
                ('country', casework.fields.SealedField(codec='text', null=True, section='location')),
                ('planned_on', casework.fields.SealedField(codec='date', null=True, section='location')),
                ('done_on', casework.fields.SealedField(codec='date', null=True, section='location')),
                ('notes', casework.fields.SealedField(codec='text', null=True, section='location')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evacuation_steps', to='casework.case')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='evacuation.evacuationplan')),
            ],
            options={
                'ordering': ['position', 'id'],
            },
        ),
        migrations.CreateModel(
            name='LawyerReview',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('decision', models.CharField(choices=[('changes_requested', 'Changes requested'), ('approved', 'Approved')], max_length=24)),
                ('decided_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reviews', to='evacuation.dossier')),
                ('reviewer', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['decided_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ReviewComment',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('text', casework.fields.SealedField(codec='text', null=True, section='documents')),
                ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='casework.case')),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='evacuation.dossier')),
                ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='evacuation.dossieritem')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='VisaApplication',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('route', models.CharField(choices=[('fr_humanitarian', 'French humanitarian visa'), ('schengen_ltv', 'Schengen visa with limited territorial validity'), ('de_22', 'German admission under §22 AufenthG'), ('de_national_d', 'German national D visa'), ('asylum_border', 'Asylum at the border'), ('asylum_after_entry', 'Asylum after entry'), ('transit_protection', 'Protection in the transit country'), ('ukrainian_protection', 'Protection for Ukrainians')], max_length=24, verbose_name='route')),
                ('decision', models.CharField(choices=[('pending', 'No decision yet'), ('granted', 'Granted'), ('refused', 'Refused'), ('withdrawn', 'Withdrawn')], default='pending', max_length=16, verbose_name='decision')),
                ('created_month', models.DateField(default=casework.models.this_month)),
                ('decided_month', models.DateField(blank=True, null=True)),
                ('consulate', casework.fields.SealedField(codec='text', null=True, section='location')),
                ('appointment_on', casework.fields.SealedField(codec='date', null=True, section='location')),
                ('submitted_on', casework.fields.SealedField(codec='date', null=True, section='legal')),
                ('decision_due', casework.fields.SealedField(codec='date', null=True, section='legal')),
                ('decided_on', casework.fields.SealedField(codec='date', null=True, section='legal')),
                ('refusal_reasons', casework.fields.SealedField(codec='text', null=True, section='legal')),
                ('appeal_deadline', casework.fields.SealedField(codec='date', null=True, section='legal')),
                ('valid_until', casework.fields.SealedField(codec='date', null=True, section='legal')),
                ('enter_by', casework.fields.SealedField(codec='date', null=True, section='legal')),
                ('entered_on', casework.fields.SealedField(codec='date', null=True, section='legal')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='visa_applications', to='casework.case')),
                ('destination', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.country', verbose_name='destination')),
            ],
            options={
                'ordering': ['-created_month', 'id'],
            },
        ),
        migrations.AddField(
            model_name='dossier',
            name='visa_application',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='dossier', to='evacuation.visaapplication'),
        ),
        migrations.AddConstraint(
            model_name='dossieritem',
            constraint=models.UniqueConstraint(fields=('dossier', 'document_type'), name='one_item_per_type'),
        ),
        migrations.AddConstraint(
            model_name='dossierdocument',
            constraint=models.UniqueConstraint(fields=('item', 'document'), name='one_link_per_document'),
        ),
        migrations.AddConstraint(
            model_name='dossierrequirement',
            constraint=models.UniqueConstraint(fields=('route', 'document_type'), name='one_requirement_per_route_type'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['reviewer', 'status'], name='evacuation__reviewe_b25a68_idx'),
        ),
    ]
