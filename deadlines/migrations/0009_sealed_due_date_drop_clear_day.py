"""Step 3 of 3 of sealing the due date (issue 14): the clear ``due_date`` is dropped, the
month is required, lists and the reminder scan go by month; reminder claims lose their time
(a claim's day minus its offset is the due date)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('deadlines', '0008_seal_due_dates'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='deadline',
            options={'ordering': ['due_month', 'id'], 'verbose_name': 'deadline', 'verbose_name_plural': 'deadlines'},
        ),
        migrations.AlterModelOptions(
            name='notification',
            options={'ordering': ['-id']},
        ),
        migrations.RemoveIndex(
            model_name='deadline',
            name='deadlines_d_status_0751fe_idx',
        ),
        migrations.RemoveField(
            model_name='deadline',
            name='due_date',
        ),
        migrations.RemoveField(
            model_name='reminderclaim',
            name='claimed_at',
        ),
        migrations.AlterField(
            model_name='deadline',
            name='due_month',
            field=models.DateField(verbose_name='due in month'),
        ),
        migrations.AlterField(
            model_name='deadline',
            name='due_section',
            field=models.CharField(choices=[('location', 'Location and route'), ('legal', 'Legal exposure'), ('notes', 'Notes')], max_length=16),
        ),
        migrations.AddIndex(
            model_name='deadline',
            index=models.Index(fields=['status', 'due_month'], name='deadlines_d_status_04fd86_idx'),
        ),
    ]
